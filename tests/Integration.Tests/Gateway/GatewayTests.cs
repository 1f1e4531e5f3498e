using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Gateway;

public sealed class GatewayTests
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<JsonElement> GetJsonAsync(int port, string path = "/", HttpClient? client = null)
    {
        var body = await (client ?? Http).GetStringAsync($"http://127.0.0.1:{port}{path}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<(Sandbox Box, int Port)> StartWebAsync(int instances, params string[] extra)
    {
        var box = new Sandbox();
        var port = Ports.Free();
        var args = new List<string> { "start", Repo.App("web.js"), "--name", "web", "-i", instances.ToString(), "--port", port.ToString() };
        args.AddRange(extra);
        try
        {
            await box.OkAsync([.. args]);
        }
        catch
        {
            await box.DisposeAsync(); // the caller never gets the box: stop its daemon here
            throw;
        }
        return (box, port);
    }

    [Fact]
    public async Task FourInstances_RequestsGoRoundRobinOverDistinctPids_WithForwardedHeaders()
    {
        var (box, port) = await StartWebAsync(4);
        await using var _ = box;
        var pids = (await box.InstancesAsync("web")).Select(i => i.Pid!.Value).ToHashSet();
        var seen = new List<int>();
        for (var i = 0; i < 8; i++) seen.Add((await GetJsonAsync(port)).GetProperty("pid").GetInt32());
        Assert.Equal(pids, seen.ToHashSet());
        Assert.All(seen.GroupBy(p => p), g => Assert.Equal(2, g.Count()));
        var one = await GetJsonAsync(port);
        Assert.Equal("127.0.0.1", one.GetProperty("forwardedFor").GetString());
        Assert.Equal($"127.0.0.1:{port}", one.GetProperty("forwardedHost").GetString());
        Assert.Equal("http", one.GetProperty("forwardedProto").GetString());
        // Each instance listens on its own private port, not on the public one.
        Assert.All(await box.InstancesAsync("web"), i => Assert.NotEqual(port, i.PrivatePort));
    }

    [Fact]
    public async Task KillLoop_UnderLoad_NoRequestFails()
    {
        var (box, port) = await StartWebAsync(2);
        await using var _ = box;
        await using var load = new LoadLoop(port, concurrency: 4);
        for (var k = 0; k < 5; k++)
        {
            await Task.Delay(1000);
            var victim = (await box.InstancesAsync("web")).First(i => i.Status == InstanceStatus.Online);
            System.Diagnostics.Process.GetProcessById(victim.Pid!.Value).Kill();
        }
        await Task.Delay(500);
        await load.StopAsync();
        Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} failed requests: {string.Join(" | ", load.Failures.Take(5))}");
        Assert.True(load.Ok > 100, $"only {load.Ok} requests served");
        Assert.True(load.Pids.Count >= 4, $"the killed instances were not replaced: pids {string.Join(",", load.Pids.Keys)}");
    }

    [Fact]
    public async Task Reload_UnderLoad_ReplacesEveryInstanceWithoutAFailedRequest()
    {
        var (box, port) = await StartWebAsync(3);
        await using var _ = box;
        var before = (await box.InstancesAsync("web")).Select(i => i.Pid!.Value).ToList();
        await using var load = new LoadLoop(port, concurrency: 4, path: "/slow");
        await Task.Delay(300);
        var reload = await box.RunAsync("reload", "web");
        Assert.True(reload.ExitCode == 0, reload.ToString());
        await load.StopAsync();
        var after = await box.InstancesAsync("web");
        Assert.All(after, i => Assert.Equal(InstanceStatus.Online, i.Status));
        Assert.Empty(after.Select(i => i.Pid!.Value).Intersect(before));
        Assert.All(before, pid => Assert.False(ProcessTable.Alive(pid)));
        Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} failed requests: {string.Join(" | ", load.Failures.Take(5))}");

        // A second reload while one runs is refused.
        var first = box.RunAsync("reload", "web");
        await Task.Delay(150);
        var second = await box.RunAsync("reload", "web");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already running", second.Stderr);
        Assert.Equal(0, (await first).ExitCode);
    }

    [Fact]
    public async Task DeployOfACrashingVersion_HaltsWithTheOldVersionServing_ThenAFixedDeployAndRollbackWork()
    {
        await using var box = new Sandbox();
        var port = Ports.Free();
        var source = await File.ReadAllTextAsync(Repo.App("web.js"));
        foreach (var (dir, text) in new[] { ("v1", source), ("v2", source.Replace("'v1'", "'v2'")), ("bad", "console.error('v2: cannot read config.json'); process.exit(2);\n") })
        {
            Directory.CreateDirectory(Path.Combine(box.Work, dir));
            await File.WriteAllTextAsync(Path.Combine(box.Work, dir, "app.js"), text);
        }
        await box.OkAsync("start", Path.Combine(box.Work, "v1", "app.js"), "--cwd", Path.Combine(box.Work, "v1"), "--name", "web", "-i", "2", "--port", port.ToString());
        var before = (await box.InstancesAsync("web")).Select(i => i.Pid!.Value).ToList();

        await using (var load = new LoadLoop(port))
        {
            var bad = await box.RunAsync("deploy", "web", "--path", Path.Combine(box.Work, "bad"));
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("halted after 0 of 2", bad.Stderr);
            Assert.Contains("cannot read config.json", bad.Stderr);
            await load.StopAsync();
            Assert.True(load.Failures.IsEmpty, string.Join(" | ", load.Failures.Take(5)));
        }
        Assert.Equal(before, (await box.InstancesAsync("web")).Select(i => i.Pid!.Value).ToList());
        Assert.Equal("v1", (await GetJsonAsync(port)).GetProperty("version").GetString());
        var shown = await box.ShowAsync("web");
        Assert.Equal("halted", shown.Rollout!.State);
        Assert.Equal(1, shown.Spec.Version);

        var good = await box.RunAsync("deploy", "web", "--path", Path.Combine(box.Work, "v2"));
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Equal("v2", (await GetJsonAsync(port)).GetProperty("version").GetString());
        Assert.Equal("v2", (await GetJsonAsync(port)).GetProperty("version").GetString());
        Assert.Equal(2, (await box.ShowAsync("web")).Spec.Version);

        await box.OkAsync("rollback", "web");
        Assert.Equal("v1", (await GetJsonAsync(port)).GetProperty("version").GetString());
        Assert.Equal("v1", (await GetJsonAsync(port)).GetProperty("version").GetString());
    }

    [Fact]
    public async Task Disconnect_KeepsTheProcessOutOfRotation_AndStartsAReplacement()
    {
        var (box, port) = await StartWebAsync(2);
        await using var _ = box;
        var victim = (await box.InstancesAsync("web"))[0];
        var r = await box.OkAsync("disconnect", "web:0");
        Assert.Contains("disconnected web:0", r);
        var list = await box.InstancesAsync("web");
        Assert.Contains(list, i => i.Pid == victim.Pid && i.Status == InstanceStatus.Disconnected);
        Assert.Equal(2, list.Count(i => i.Status == InstanceStatus.Online));
        Assert.True(ProcessTable.Alive(victim.Pid!.Value));
        for (var i = 0; i < 6; i++) Assert.NotEqual(victim.Pid, (await GetJsonAsync(port)).GetProperty("pid").GetInt32());
        // Not restarted when it dies, and gone from the list.
        System.Diagnostics.Process.GetProcessById(victim.Pid.Value).Kill();
        await Sandbox.EventuallyAsync(() => box.InstancesAsync("web"), l => l.All(i => i.Pid != victim.Pid), "the disconnected instance to leave the list");
        Assert.Equal(2, (await box.InstancesAsync("web")).Count);
    }

    [Fact]
    public async Task Sticky_KeepsAClientOnOneInstance()
    {
        var (box, port) = await StartWebAsync(3, "--sticky");
        await using var _ = box;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = true, CookieContainer = new CookieContainer() });
        var pids = new HashSet<int>();
        for (var i = 0; i < 6; i++) pids.Add((await GetJsonAsync(port, "/", client)).GetProperty("pid").GetInt32());
        Assert.Single(pids);
        var fresh = new HashSet<int>();
        for (var i = 0; i < 6; i++) fresh.Add((await GetJsonAsync(port)).GetProperty("pid").GetInt32());
        Assert.True(fresh.Count > 1, "clients without the cookie should still be spread");
    }

    [Fact]
    public async Task WebSocketsAndStreamingResponses_PassThrough()
    {
        var (box, port) = await StartWebAsync(2);
        await using var _ = box;
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"), CancellationToken.None);
        await ws.SendAsync(Encoding.UTF8.GetBytes("hello through pbm"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var got = await ws.ReceiveAsync(buffer, CancellationToken.None);
        var text = Encoding.UTF8.GetString(buffer, 0, got.Count);
        Assert.Matches(@"^echo \d+: hello through pbm$", text);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        using var response = await Http.GetAsync($"http://127.0.0.1:{port}/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("chunk 0", await reader.ReadLineAsync());
        Assert.Equal("chunk 2", (await reader.ReadToEndAsync()).Trim().Split('\n')[^1]);
    }

    [Fact]
    public async Task TwoAppsShareAPort_ByPathPrefix()
    {
        var (box, port) = await StartWebAsync(1);
        await using var _ = box;
        var staticDir = Path.Combine(box.Work, "static");
        Directory.CreateDirectory(staticDir);
        await File.WriteAllTextAsync(Path.Combine(staticDir, "app.js"), (await File.ReadAllTextAsync(Repo.App("web.js"))).Replace("'v1'", "'static'"));
        var clash = await box.RunAsync("start", Path.Combine(staticDir, "app.js"), "--name", "assets", "--port", port.ToString());
        Assert.Equal(1, clash.ExitCode);
        Assert.Contains("already served by web", clash.Stderr);
        await box.OkAsync("start", Path.Combine(staticDir, "app.js"), "--name", "assets", "--port", port.ToString(), "--route", "/static");

        Assert.Equal("static", (await GetJsonAsync(port, "/static/logo.png")).GetProperty("version").GetString());
        Assert.Equal("v1", (await GetJsonAsync(port, "/api/users")).GetProperty("version").GetString());
        Assert.Equal("v1", (await GetJsonAsync(port, "/staticky")).GetProperty("version").GetString());
    }

    [Fact]
    public async Task ScaleDownUnderLoad_DrainsAndDropsNothing()
    {
        var (box, port) = await StartWebAsync(4);
        await using var _ = box;
        await using var load = new LoadLoop(port, concurrency: 4, path: "/slow");
        await Task.Delay(400);
        await box.OkAsync("scale", "web", "2");
        await box.OkAsync("scale", "web", "+1");
        await Task.Delay(300);
        await load.StopAsync();
        Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} failed: {string.Join(" | ", load.Failures.Take(5))}");
        Assert.Equal(3, (await box.InstancesAsync("web")).Count(i => i.Status == InstanceStatus.Online));
    }

    [Fact]
    public async Task PortAlreadyInUse_StartFailsClearlyAndLeavesNothingBehind()
    {
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Any, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var box = new Sandbox();
        var r = await box.RunAsync("start", Repo.App("web.js"), "--port", port.ToString());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"cannot listen on port {port}", r.Stderr);
        await Sandbox.EventuallyAsync(() => box.ListAsync(), l => l.Apps.Count == 0, "the failed app to be removed");
    }
}
