using System.Net;
using System.Net.Sockets;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Control;

public sealed class TcpApiTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task TcpApi_NeedsTheToken_AndServesTheCliWithIt()
    {
        await using var box = new Sandbox();
        var port = FreePort();
        await box.OkAsync("daemon", "--api", $"127.0.0.1:{port}");
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "2");
        var tokenFile = Path.Combine(box.Home, "token");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(box.Home, "rpc.sock")));
        var token = (await File.ReadAllTextAsync(tokenFile)).Trim();

        var ok = await box.RunAsync("list", "--endpoint", $"127.0.0.1:{port}", "--token", token);
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("idle:1", ok.Stdout);

        var wrong = await box.RunAsync("list", "--endpoint", $"127.0.0.1:{port}", "--token", "not-the-token");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("unauthorized", wrong.Stderr);
        var missing = await box.RunAsync("stop", "idle", "--endpoint", $"127.0.0.1:{port}");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("unauthorized", missing.Stderr);

        using var http = new HttpClient();
        var raw = await http.GetAsync($"http://127.0.0.1:{port}/api/apps");
        Assert.Equal(HttpStatusCode.Unauthorized, raw.StatusCode);

        // Still running: the refused stop did nothing.
        Assert.All(await box.InstancesAsync("idle"), i => Assert.Equal("online", i.Status));
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    [InlineData("Bearer")]
    public async Task AuthorizationScheme_IsCaseInsensitive(string scheme)
    {
        await using var box = new Sandbox();
        using var api = await RawApi.StartAsync(box);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, api.BaseAddress + "/api/ping");
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {api.Token}");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NothingListening_RemoteEndpoint_IsAClearError()
    {
        await using var box = new Sandbox();
        var r = await box.RunAsync("list", "--endpoint", $"127.0.0.1:{FreePort()}", "--token", "x");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no daemon answers at 127.0.0.1:", r.Stderr);
    }
}

public sealed class TlsApiTests
{
    [Fact]
    public async Task TlsApi_ServesHttpsWithTheConfiguredCertificate_TrustedThroughPbmCa()
    {
        await using var box = new Sandbox();
        var cert = Path.Combine(box.Work, "api.pem");
        var key = Path.Combine(box.Work, "api.key");
        var openssl = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", key, "-out", cert]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await openssl.WaitForExitAsync();
        Assert.Equal(0, openssl.ExitCode);
        await File.WriteAllTextAsync(Path.Combine(box.Home, "pbm.hocon"), $"pbm.api.tls {{ certificate = \"{cert}\", key = \"{key}\" }}\n");
        var port = Ports.Free();
        await box.OkAsync("daemon", "--api", $"127.0.0.1:{port}");
        await box.OkAsync("start", Repo.App("idle.js"));
        var token = (await File.ReadAllTextAsync(Path.Combine(box.Home, "token"))).Trim();

        box.Env["PBM_CA"] = cert;
        var ok = await box.RunAsync("list", "--endpoint", $"https://127.0.0.1:{port}", "--token", token);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("idle:0", ok.Stdout);

        box.Env.Remove("PBM_CA");
        var untrusted = await box.RunAsync("list", "--endpoint", $"https://127.0.0.1:{port}", "--token", token);
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("SSL", untrusted.Stderr);
        var plain = await box.RunAsync("list", "--endpoint", $"127.0.0.1:{port}", "--token", token);
        Assert.Equal(1, plain.ExitCode);
    }
}
