using System.Diagnostics;
using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Cluster;

/// <summary>
/// Cluster-wide views on a real multi-process cluster: every host's gateway serves every app from the instances of
/// all hosts (each worker on its own loopback address, gateway bound there), and pbm logs merges every host's lines.
/// </summary>
[Collection("cluster")]
public sealed class ClusterViewsTests
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<(int Status, int Pid)> GetAsync(string address, int port, string path = "/")
    {
        try
        {
            using var response = await Http.GetAsync($"http://{address}:{port}{path}");
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) return ((int)response.StatusCode, 0);
            return (200, JsonDocument.Parse(body).RootElement.GetProperty("pid").GetInt32());
        }
        catch (HttpRequestException)
        {
            return (0, 0);
        }
    }

    [Fact]
    public async Task EveryHostsGateway_RoundRobinsOverTheInstancesOfAllHosts_RetriesAKilledRemoteOne_AndDrainsRemoteRequestsOnReload()
    {
        await using var cluster = await TestCluster.StartAsync(2, ownAddresses: true);
        var (w1, w1Port) = cluster.Workers[0];
        var (_, w2Port) = cluster.Workers[1];
        var w1Node = cluster.NameOf(w1Port);
        var w1Address = cluster.AddressOf(w1Port);
        var w2Address = cluster.AddressOf(w2Port);

        // Pinned to worker 1: worker 2 runs no instance of it, yet its gateway opens the public port and serves it.
        var pinned = Ports.Free();
        await w1.OkAsync("start", Repo.App("web.js"), "--name", "pinned", "-i", "2", "--port", pinned.ToString(), "--hosts", w1Node);
        var instances = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("pinned"),
            l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online), "pinned online on worker 1");
        Assert.All(instances, i => Assert.Equal(w1Node, i.Host));
        var pids = instances.Select(i => i.Pid!.Value).ToHashSet();
        var watch = Stopwatch.StartNew();
        await Sandbox.EventuallyAsync(() => GetAsync(w2Address, pinned), r => r.Status == 200, "worker 2's gateway to serve the app of worker 1");
        Console.WriteLine($"remote-only route served by the other host's gateway {watch.ElapsedMilliseconds} ms after the instances were online");
        var seen = new List<int>();
        for (var n = 0; n < 8; n++) seen.Add((await GetAsync(w2Address, pinned)).Pid);
        Assert.Equal(pids, seen.ToHashSet());
        Assert.All(seen.GroupBy(p => p), g => Assert.Equal(4, g.Count()));

        // Spread over both hosts: either gateway sends requests round-robin to the instances of both.
        var spread = Ports.Free();
        await w1.OkAsync("start", Repo.App("web.js"), "--name", "spread", "-i", "4", "--port", spread.ToString());
        var spreadInstances = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("spread"),
            l => l.Count == 4 && l.All(i => i.Status == InstanceStatus.Online), "spread online");
        Assert.Equal(2, spreadInstances.Select(i => i.Host).Distinct().Count());
        var all = spreadInstances.Select(i => i.Pid!.Value).ToHashSet();
        foreach (var address in new[] { w1Address, w2Address })
        {
            // Each host learns of the other's instances within moments of their being ready.
            await Sandbox.EventuallyAsync(async () =>
            {
                var got = new HashSet<int>();
                for (var n = 0; n < 8; n++) got.Add((await GetAsync(address, spread)).Pid);
                return got;
            }, got => got.SetEquals(all), $"the gateway on {address} to use all 4 instances of both hosts");
        }

        // kill -9 of an instance on worker 1 while worker 2's gateway is under load: no request fails.
        await using (var load = new LoadLoop(pinned, concurrency: 4, host: w2Address))
        {
            await Task.Delay(1000);
            var victim = (await cluster.InstancesAsync("pinned")).First(i => i.Status == InstanceStatus.Online);
            Process.GetProcessById(victim.Pid!.Value).Kill();
            await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("pinned"),
                l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online) && l.All(i => i.Pid != victim.Pid), "the killed instance back");
            await Task.Delay(1000);
            await load.StopAsync();
            Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} of {load.Ok + load.Failures.Count} requests failed: {string.Join("; ", load.Failures.Take(5))}");
            Assert.True(load.Ok > 20, $"only {load.Ok} requests succeeded");
            Console.WriteLine($"kill of a remote instance under load: {load.Ok} requests, 0 failed");
        }

        // Draining across hosts: instances that die the moment they get SIGTERM, slow POSTs (never retried) through
        // worker 2's gateway, a rolling reload on worker 1. Each old instance must wait until worker 2 has taken it
        // out of rotation and its requests to it have finished.
        var drain = Ports.Free();
        await w1.OkAsync("start", Repo.App("web.js"), "--name", "drain", "-i", "2", "--port", drain.ToString(), "--hosts", w1Node, "--env", "EXIT_ON_TERM=1");
        await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("drain"), l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online), "drain online");
        await Sandbox.EventuallyAsync(() => GetAsync(w2Address, drain), r => r.Status == 200, "worker 2's gateway to serve drain");
        await using (var load = new LoadLoop(drain, concurrency: 4, path: "/slow", host: w2Address, post: true))
        {
            await Task.Delay(800);
            var before = (await cluster.InstancesAsync("drain")).Select(i => i.Pid).ToHashSet();
            await w1.OkAsync("reload", "drain");
            var after = await cluster.InstancesAsync("drain");
            Assert.DoesNotContain(after, i => before.Contains(i.Pid));
            await Task.Delay(500);
            await load.StopAsync();
            Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} of {load.Ok + load.Failures.Count} POSTs failed during the reload: {string.Join("; ", load.Failures.Take(5))}");
            Assert.True(load.Ok > 10, $"only {load.Ok} POSTs succeeded");
            Console.WriteLine($"reload with remote in-flight POSTs: {load.Ok} requests, 0 failed");
        }

        // kill -9 of worker 1's daemon: its instances live on, orphaned, but once worker 1 is unreachable worker 2's
        // gateway stops sending them requests (until then they still answer).
        var onW1 = (await cluster.InstancesAsync("spread")).Where(i => i.Host == w1Node).Select(i => i.Pid!.Value).ToHashSet();
        Assert.NotEmpty(onW1);
        watch.Restart();
        Process.GetProcessById(Sandbox.DaemonPid(w1.Home)).Kill();
        await Sandbox.EventuallyAsync(async () =>
        {
            var got = new List<int>();
            for (var n = 0; n < 8; n++) got.Add((await GetAsync(w2Address, spread)).Pid);
            return got;
        }, got => got.All(p => p != 0 && !onW1.Contains(p)), "worker 2's gateway to leave worker 1's instances out", TimeSpan.FromSeconds(30));
        Console.WriteLine($"kill -9 of a host's daemon to its instances out of the other gateway's rotation: {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Logs_ThroughOneNode_ShowEveryHostsLines_FollowStreamsRemoteLines_AndMonitShowsEveryHost()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var (w1, w1Port) = cluster.Workers[0];
        var (w2, w2Port) = cluster.Workers[1];
        var w1Node = cluster.NameOf(w1Port);
        var w2Node = cluster.NameOf(w2Port);
        await w1.OkAsync("start", Repo.App("ticker.js"), "--name", "far", "--hosts", w2Node);
        await w1.OkAsync("start", Repo.App("ticker.js"), "--name", "near", "--hosts", w1Node);
        await Sandbox.EventuallyAsync(async () => (await cluster.InstancesAsync("far")).Concat(await cluster.InstancesAsync("near")).ToList(),
            l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online), "far and near online");

        // The last lines of an app that runs on worker 2, asked of worker 1: read from worker 2's files.
        var tail = await Sandbox.EventuallyAsync(async () => Entries((await w1.RunAsync("logs", "--nostream", "far", "--lines", "5", "--json")).Stdout),
            l => l.Count(e => e.Message.StartsWith("tick ", StringComparison.Ordinal)) >= 3, "worker 2's lines through worker 1");
        Assert.All(tail, e => Assert.Equal(w2Node, e.Host));
        Assert.All(tail, e => Assert.Equal("far", e.App));
        var text = await w1.OkAsync("logs", "--nostream", "far", "--lines", "2");
        Assert.Contains($"{w2Node} far:0", text);

        // Every app through the lighthouse (which runs none): both hosts' lines, merged by time.
        var everything = Entries((await cluster.RemoteAsync("logs", "--nostream", "--lines", "5", "--json")).Stdout);
        Assert.Equal(new HashSet<string?> { w1Node, w2Node }, everything.Select(e => e.Host).ToHashSet());
        Assert.Equal(everything.OrderBy(e => e.At).Select(e => e.Message), everything.Select(e => e.Message));

        // --follow through the lighthouse streams the new lines worker 2's instance prints.
        var lastTick = tail.Where(e => e.Stream == "out").Select(e => TickOf(e.Message)).Max();
        var followed = await FollowAsync(cluster, ["logs", "far", "--follow", "--lines", "0", "--json"],
            l => l.Count(e => e.Stream == "out" && TickOf(e.Message) > lastTick) >= 5);
        Assert.All(followed, e => Assert.Equal(w2Node, e.Host));

        // Following every app merges both hosts' new lines.
        var both = await FollowAsync(cluster, ["logs", "--follow", "--lines", "0", "--json"],
            l => l.Any(e => e.Host == w1Node && e.App == "near") && l.Any(e => e.Host == w2Node && e.App == "far"));
        Assert.All(both, e => Assert.Equal(e.App == "near" ? w1Node : w2Node, e.Host));

        // Once the followers are gone, worker 2 keeps no session of theirs.
        await Sandbox.EventuallyAsync(async () => (await w2.RunAsync("actor", "hierarchy", "-d", "2")).Stdout,
            h => h.Contains("pbm-logs\n", StringComparison.Ordinal) && !h.Split('\n').SkipWhile(l => l != "pbm-logs").Skip(1).First().StartsWith("  ", StringComparison.Ordinal),
            "worker 2's log sessions to stop with their followers");

        // pbm monit through the lighthouse: every host's load, a HOST column, remote instances with CPU and memory.
        var socket = "pbm-test-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await Tmux(socket, "new-session", "-d", "-x", "160", "-y", "40",
                $"env PBM_HOME={cluster.Lighthouse.Home} {Repo.Pbm} monit --endpoint 127.0.0.1:{cluster.ApiPort} --token {cluster.Token}; sleep 60");
            var screen = await Sandbox.EventuallyAsync(() => Tmux(socket, "capture-pane", "-p"),
                s => s.Contains("2 hosts") && s.Contains("HOST") && s.Contains("far:0") && s.Contains("near:0") &&
                     System.Text.RegularExpressions.Regex.IsMatch(s, @"far:0\s+" + System.Text.RegularExpressions.Regex.Escape(w2Node) + @"\s+online\s+\d+\.\d%\s+\d+(\.\d+)? MB"),
                "monit to show both hosts and the remote instance's cpu and memory");
            Assert.Contains($"{w1Node}: cpu", screen);
            Assert.Contains($"{w2Node}: cpu", screen);
            await Tmux(socket, "send-keys", "q");
        }
        finally
        {
            await Tmux(socket, "kill-server");
        }
    }

    private static int TickOf(string message) =>
        message.StartsWith("tick ", StringComparison.Ordinal) && int.TryParse(message.Split(' ')[1], out var n) ? n : -1;

    private static List<LogEntry> Entries(string ndjson) =>
        ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize(l, PbmJsonContext.Default.LogEntry)!).ToList();

    /// <summary>Runs `pbm ... --follow` against the lighthouse until its lines satisfy <paramref name="enough"/>, then kills it.</summary>
    private static async Task<List<LogEntry>> FollowAsync(TestCluster cluster, string[] args, Func<List<LogEntry>, bool> enough)
    {
        var psi = new ProcessStartInfo(Repo.Pbm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Concat(["--endpoint", $"127.0.0.1:{cluster.ApiPort}", "--token", cluster.Token])) psi.ArgumentList.Add(a);
        psi.Environment["PBM_HOME"] = cluster.Lighthouse.Home;
        using var p = Process.Start(psi)!;
        var lines = new List<LogEntry>();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!enough(lines))
            {
                var line = await p.StandardOutput.ReadLineAsync(cts.Token);
                if (line is null) Assert.Fail($"pbm {string.Join(' ', args)} ended: {await p.StandardError.ReadToEndAsync()}");
                lines.Add(JsonSerializer.Deserialize(line!, PbmJsonContext.Default.LogEntry)!);
            }
            return lines;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"pbm {string.Join(' ', args)}: not enough lines within 30 s; got {lines.Count}: {string.Join("; ", lines.TakeLast(5))}");
            return lines;
        }
        finally
        {
            p.Kill(true);
            await p.WaitForExitAsync();
        }
    }

    private static async Task<string> Tmux(string socket, params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output;
    }
}
