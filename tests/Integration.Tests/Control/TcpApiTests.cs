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

    [Fact]
    public async Task NothingListening_RemoteEndpoint_IsAClearError()
    {
        await using var box = new Sandbox();
        var r = await box.RunAsync("list", "--endpoint", $"127.0.0.1:{FreePort()}", "--token", "x");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no daemon answers at 127.0.0.1:", r.Stderr);
    }
}
