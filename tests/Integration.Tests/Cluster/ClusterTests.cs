using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Cluster;

[Collection("cluster")]
public sealed class ClusterTests
{
    [Fact]
    public async Task ThreeWorkers_SpreadPlacement_RemoteControlThroughAnyNode_AndAKilledWorkersInstancesMove()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (w1, _) = cluster.Workers[0];
        var (w3, w3Port) = cluster.Workers[2];

        // Started through one worker's local socket...
        var start = await w1.RunAsync("start", Repo.App("idle.js"), "-i", "6", "--name", "spread");
        Assert.True(start.ExitCode == 0, start.ToString());

        // ...listed through the lighthouse's TCP API: two instances on each host.
        var instances = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("spread"),
            l => l.Count == 6 && l.All(i => i.Status == InstanceStatus.Online), "6 instances online");
        Assert.All(instances.GroupBy(i => i.Host), g => Assert.Equal(2, g.Count()));
        Assert.Equal(3, instances.Select(i => i.Host).Distinct().Count());
        var cluster3 = await cluster.RemoteAsync("cluster", "show");
        Assert.Contains("Count: 4 nodes", cluster3.Stdout);

        // Pinned and capped placement.
        await w3.OkAsync("start", Repo.App("idle.js"), "--name", "pinned", "-i", "2", "--hosts", TestCluster.NodeName(w3Port));
        Assert.All(await cluster.InstancesAsync("pinned"), i => Assert.Equal(TestCluster.NodeName(w3Port), i.Host));

        // Control through another node: stop one instance via worker 3's socket.
        await w3.OkAsync("stop", "spread:1");
        Assert.Equal(InstanceStatus.Stopped, (await cluster.InstancesAsync("spread"))[1].Status);
        await w3.OkAsync("restart", "spread:1");

        // A wrong token is refused.
        var wrong = await cluster.Lighthouse.RunAsync("list", "--endpoint", $"127.0.0.1:{cluster.ApiPort}", "--token", "nope");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("unauthorized", wrong.Stderr);

        // kill -9 of worker 3: its instances are started on the survivors.
        var victimNode = TestCluster.NodeName(w3Port);
        var daemon = Sandbox.DaemonPid(w3.Home);
        var leftBehind = (await cluster.InstancesAsync("spread")).Concat(await cluster.InstancesAsync("pinned"))
            .Where(i => i.Host == victimNode).Select(i => i.Pid!.Value).ToList();
        Assert.Equal(4, leftBehind.Count);
        var watch = Stopwatch.StartNew();
        Process.GetProcessById(daemon).Kill();
        var moved = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("spread"),
            l => l.Count == 6 && l.All(i => i.Status == InstanceStatus.Online && i.Host != victimNode), "spread to leave the killed host",
            TimeSpan.FromSeconds(40));
        var failover = watch.Elapsed;
        Assert.Equal(3, moved.Count(i => i.Host == TestCluster.NodeName(cluster.Workers[0].Port)));
        Assert.Equal(3, moved.Count(i => i.Host == TestCluster.NodeName(cluster.Workers[1].Port)));
        // Pinned instances have nowhere else to go: pending, not moved.
        Assert.All(await cluster.InstancesAsync("pinned"), i => Assert.Equal(InstanceStatus.Pending, i.Status));
        // What the dead agent left running on its host is killed by its watchdog: nothing runs twice.
        await Sandbox.EventuallyAsync(() => Task.FromResult(leftBehind.Where(Alive).ToList()), l => l.Count == 0,
            "the killed agent's instances to be killed on its host", TimeSpan.FromSeconds(15));
        Console.WriteLine($"failover after kill -9 of a worker: {failover.TotalSeconds:0.0} s");
        Assert.True(failover < TimeSpan.FromSeconds(30), $"failover took {failover.TotalSeconds:0.0} s");
    }

    private static bool Alive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal);

    [Fact]
    public async Task KillOfTheMastersNode_SingletonMovesWithStateIntact_ThenAFullRestartKeepsEverything()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (w1, _) = cluster.Workers[0];
        await w1.OkAsync("start", Repo.App("idle.js"), "-i", "3", "--name", "keep");
        await w1.OkAsync("start", Repo.App("idle.js"), "-i", "2", "--name", "other");
        await w1.OkAsync("stop", "other");

        // The master runs on the oldest worker: the first one started. Kill it.
        var ping = await cluster.RemoteAsync("list");
        Assert.Equal(0, ping.ExitCode);
        var masterNode = await MasterNodeAsync(cluster);
        var masterBox = cluster.Workers.Single(w => TestCluster.NodeName(w.Port) == masterNode).Box;
        var watch = Stopwatch.StartNew();
        Process.GetProcessById(Sandbox.DaemonPid(masterBox.Home)).Kill();
        var keep = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("keep"),
            l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online && i.Host != masterNode), "keep to run on the survivors",
            TimeSpan.FromSeconds(45));
        Console.WriteLine($"master node kill -9 to state served and instances moved: {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.All(await cluster.InstancesAsync("other"), i => Assert.Equal(InstanceStatus.Stopped, i.Status));

        // Full restart: stop every node (SIGTERM keeps desired state), start them all again.
        foreach (var (box, _) in cluster.Workers.Where(w => w.Box != masterBox))
        {
            var pid = Sandbox.DaemonPid(box.Home);
            Process.GetProcessById(pid).Kill(entireProcessTree: false);
        }
        // Restart once the seed has removed them. A node started on its old address while the seed still holds
        // the old incarnation can stay unjoined: the seed answers its InitJoin, the answers never arrive (Akka.Remote
        // classic, reproduced about 1 run in 8 under load; see the issue note). Restarting after the removal is what
        // a full restart (stop everything, start everything) does anyway.
        await Sandbox.EventuallyAsync(() => cluster.MembersAsync(), m => m.Count == 1, "the seed to remove the stopped nodes", TimeSpan.FromSeconds(30));
        await Task.WhenAll(cluster.Workers.Select(w => cluster.StartWorkerAsync(w.Box, w.Port)));
        var back = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("keep"),
            l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online), "keep to come back after a full restart", TimeSpan.FromSeconds(45));
        Assert.Equal(3, back.Select(i => i.Pid).Distinct().Count());
        Assert.Equal(2, (await cluster.InstancesAsync("other")).Count);
    }

    private static async Task<string> MasterNodeAsync(TestCluster cluster)
    {
        // The singleton lives on the oldest member with the master role; `pbm actor hierarchy` on that node shows it.
        foreach (var (box, port) in cluster.Workers)
        {
            var r = await box.RunAsync("actor", "hierarchy", "-d", "2");
            if (r.Stdout.Split('\n').Any(l => l.Trim() == "└ master")) return TestCluster.NodeName(port);
        }
        throw new InvalidOperationException("no node carries the master");
    }

    /// <summary>
    /// Two nodes on one machine, on two addresses but the same port (as in network namespaces, or containers sharing
    /// a host name): two hosts, each with its own instances. They were both MACHINE:PORT, one host to the master.
    /// </summary>
    [Fact]
    public async Task TwoNodesOnOneMachine_SamePortOnTwoAddresses_AreTwoHostsEachRunningAnInstance()
    {
        await using var cluster = await TestCluster.StartAsync(0);
        var port = Ports.Free();
        var (a, b) = (new Sandbox(), new Sandbox());
        cluster.Workers.Add((a, port));
        cluster.Workers.Add((b, port));
        await Task.WhenAll(cluster.StartWorkerAsync(a, port, "127.0.0.2"), cluster.StartWorkerAsync(b, port, "127.0.0.3"));
        var hosts = await Sandbox.EventuallyAsync(cluster.HostsAsync, h => h.Count == 2, "both nodes to register as hosts", TimeSpan.FromSeconds(40));
        Assert.Equal([TestCluster.NodeName(port, "127.0.0.2"), TestCluster.NodeName(port, "127.0.0.3")], hosts.Select(h => h.Node).Order());

        var start = await cluster.RemoteAsync("start", Repo.App("idle.js"), "--name", "twin", "-i", "2");
        Assert.True(start.ExitCode == 0, start.ToString());
        var instances = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("twin"), l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online),
            "twin online", TimeSpan.FromSeconds(30));
        Assert.Equal(2, instances.Select(i => i.Host).Distinct().Count());
        // Each runs where it says: a child of that node's daemon (the process with that node's PBM_HOME).
        foreach (var (box, address) in new[] { (a, "127.0.0.2"), (b, "127.0.0.3") })
        {
            var mine = Assert.Single(instances, i => i.Host == TestCluster.NodeName(port, address));
            Assert.NotEmpty(ProcessTable.Ancestors(mine.Pid!.Value).Intersect(ProcessTable.WithEnv("PBM_HOME", box.Home)));
        }
        // A pin by ADDRESS:PORT names one of the two.
        var pinned = await cluster.RemoteAsync("start", Repo.App("idle.js"), "--name", "pinned", "-i", "2", "--hosts", $"127.0.0.3:{port}");
        Assert.True(pinned.ExitCode == 0, pinned.ToString());
        var onB = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("pinned"), l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online),
            "pinned online", TimeSpan.FromSeconds(30));
        Assert.All(onB, i => Assert.Equal(TestCluster.NodeName(port, "127.0.0.3"), i.Host));
    }
}
