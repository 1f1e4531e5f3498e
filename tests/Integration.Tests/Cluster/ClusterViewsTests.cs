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
        var w1Node = TestCluster.NodeName(w1Port);
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
}
