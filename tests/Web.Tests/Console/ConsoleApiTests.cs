using System.Net;
using System.Net.Http.Headers;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Web.Tests.Console;

/// <summary>What the console needs from the control API, over plain HTTP: the page without a token, CORS, the event stream.</summary>
public sealed class ConsoleApiTests
{
    [Fact]
    public async Task Page_IsServedWithoutToken_ButTheDataNeedsIt()
    {
        await using var node = await ConsoleNode.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(node.Url) };
        var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>pbm console</title>", await page.Content.ReadAsStringAsync());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/console.js")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/console/snapshots")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/favicon.ico")).StatusCode);
    }

    [Fact]
    public async Task Cors_PreflightNeedsNoToken_AndEveryAnswerAllowsOtherOrigins()
    {
        await using var node = await ConsoleNode.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(node.Url) };
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/apps/web/restart");
        preflight.Headers.Add("Origin", "http://127.0.0.1:1");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        var answer = await http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal("*", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Authorization", answer.Headers.GetValues("Access-Control-Allow-Headers").Single());

        var refused = new HttpRequestMessage(HttpMethod.Get, "/api/apps");
        refused.Headers.Add("Origin", "http://127.0.0.1:1");
        var r = await http.SendAsync(refused);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("*", r.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Snapshots_StreamWithTheApps_WithoutTheirEnvironment()
    {
        await using var node = await ConsoleNode.StartAsync();
        node.Box.Env["SECRET_FOR_TEST"] = "hunter2";
        await node.Box.OkAsync("start", ConsoleNode.Ticker, "--name", "ticker");
        using var http = new HttpClient { BaseAddress = new Uri(node.Url) };
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/console/snapshots");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.Token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var snapshots = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (snapshots.Count < 2 && await reader.ReadLineAsync(cts.Token) is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) snapshots.Add(line);
        Assert.Equal(2, snapshots.Count);
        Assert.All(snapshots, s => Assert.Contains("\"id\":\"ticker:0\"", s));
        Assert.All(snapshots, s => Assert.DoesNotContain("hunter2", s));
    }

    [Fact]
    public async Task PbmConsole_WithTls_PrintsAnHttpsLink_WhereThePageIsServed()
    {
        await using var box = new Sandbox();
        var cert = Path.Combine(box.Work, "api.pem");
        var key = Path.Combine(box.Work, "api.key");
        using (var openssl = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("openssl",
                   ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert]) { RedirectStandardError = true, RedirectStandardOutput = true })!)
        {
            await openssl.WaitForExitAsync();
            Assert.Equal(0, openssl.ExitCode);
        }
        await File.WriteAllTextAsync(Path.Combine(box.Home, "pbm.hocon"), $"pbm.api.tls {{ certificate = \"{cert}\", key = \"{key}\" }}\n");
        var port = Ports.Free();
        await box.OkAsync("daemon", "--api", $"127.0.0.1:{port}");
        var token = (await File.ReadAllTextAsync(Path.Combine(box.Home, "token"))).Trim();
        Assert.Contains($"https://127.0.0.1:{port}/?token={token}", await box.OkAsync("console"));

        var thumbprint = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(cert).Thumbprint;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == thumbprint };
        using var http = new HttpClient(handler);
        var page = await http.GetStringAsync($"https://127.0.0.1:{port}/");
        Assert.Contains("<title>pbm console</title>", page);
    }

    [Fact]
    public async Task PbmConsole_WithoutTcp_SaysHowToTurnItOn()
    {
        await using var box = new Sandbox();
        var r = await box.RunAsync("console");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("pbm daemon --api 127.0.0.1:9110", r.Stderr);
    }
}
