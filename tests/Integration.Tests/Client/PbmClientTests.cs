using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;
using Pbm.Client.Transport;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Client;

/// <summary>The typed client against a real daemon: every operation the CLI has, streams included, over TCP with the token.</summary>
public sealed class PbmClientTests
{
    [Fact]
    public async Task PbmClient_EveryOperation_WorksAgainstARealDaemon()
    {
        await using var box = new Sandbox();
        var port = Ports.Free();
        await box.OkAsync("daemon", "--api", $"127.0.0.1:{port}");
        var token = (await File.ReadAllTextAsync(Path.Combine(box.Home, "token"))).Trim();
        using var client = new PbmClient(PbmEndpoint.Tcp($"127.0.0.1:{port}", token), TimeSpan.FromSeconds(60));
        using var local = new PbmClient(PbmEndpoint.Local(Path.Combine(box.Home, "rpc.sock")), TimeSpan.FromSeconds(60));

        var ping = await client.PingAsync();
        Assert.Equal(Sandbox.DaemonPid(box.Home), ping.Pid);
        Assert.Equal(ping.Pid, (await local.PingAsync()).Pid);
        using var events = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<PbmEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in client.EventsAsync(events.Token))
            {
                lock (seen) seen.Add(e);
                if (e is { Kind: "instance", Instance: "idle:1", Status: "online" }) return;
            }
        });

        var spec = AppSpecResolver.Resolve(new StartOptions { Target = Repo.App("idle.js"), Instances = "1", CallerCwd = box.Work, CallerEnv = new Dictionary<string, string> { ["PBM_HOME"] = box.Home, ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "" } });
        Assert.Contains("started idle", (await client.StartAsync(spec)).Message);
        Assert.Single((await client.ListAsync()).Apps);
        Assert.Equal("idle", (await client.ShowAsync("idle")).Spec.Name);
        Assert.Contains("idle:1", (await client.ScaleAsync("idle", "2")).Instances.Select(i => i.Id));
        await watching.WaitAsync(TimeSpan.FromSeconds(30));
        lock (seen) Assert.Contains(seen, e => e.Kind == "cluster");
        events.Cancel();

        Assert.Equal("idle:0", (await client.EnvAsync("idle:0")).Id);
        await client.StopAsync("idle:1");
        await client.StartExistingAsync("idle");
        await client.RestartAsync("idle");
        await client.ReloadAsync("idle");
        await client.DeployAsync("idle", spec);
        await client.RollbackAsync("idle");
        // Disconnect takes an instance out of the gateway: the call reaches the master, which refuses it without --port.
        Assert.Contains("gateway port", (await Assert.ThrowsAsync<PbmException>(() => client.DisconnectAsync("idle:0"))).Message);
        await client.FlushAsync("idle");
        var lines = new List<LogEntry>();
        await foreach (var line in client.LogsAsync("idle", 5, null, follow: false)) lines.Add(line);

        Assert.Contains(await client.HostsAsync(), h => h.Node == ping.Node);
        Assert.Single((await client.ClusterAsync()).Members);
        Assert.Contains("no unreachable members", (await client.ClusterActAsync("down-unreachable", null)).Message);
        Assert.Contains((await client.ActorsAsync(3)).Paths, p => p.Contains("/user/host", StringComparison.Ordinal));
        using (var tail = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await foreach (var line in client.ClusterTailAsync(tail.Token))
            {
                Assert.Contains("Up", line);
                break;
            }
        Assert.Empty(await client.PalettesAsync());
        var noPalette = await Assert.ThrowsAsync<PbmException>(() => client.RunPaletteAsync("orders", "pending"));
        Assert.Equal(404, noPalette.StatusCode);

        Assert.Equal(["idle"], (await client.SaveAsync(null)).Apps);
        Assert.Contains("idle", (await client.DeleteAsync("idle")).Message);
        Assert.Equal(["idle"], (await client.ResurrectAsync(null)).Apps);
        await client.KillAsync();
        await Assert.ThrowsAsync<DaemonUnreachableException>(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await local.PingAsync();
                await Task.Delay(100);
            }
        });
    }
}
