using System.Diagnostics;
using Xunit.Abstractions;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Cluster;

/// <summary>
/// Hosts in network namespaces of their own (ip netns, as root), joined by a bridge: cutting one host's link is
/// a real network partition, not a killed process. Needs root; without it the test says so and does nothing.
/// </summary>
[Collection("cluster")]
public sealed class NetnsClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CutLinkOfAHostInItsOwnNamespace_ItIsDownedItsInstancesMoveAndItStopsThem()
    {
        if (!await NetnsLab.AvailableAsync(output)) return;
        await using var lab = await NetnsLab.StartAsync();
        var (net, tag, seed, api, token) = (lab.Net, lab.Tag, lab.Seed, lab.Api, lab.Token);
        var w2 = lab.Workers[2];
        var start = await lab.RunAsync("start", Repo.App("idle.js"), "-i", "3", "--name", "part");
        Assert.True(start.ExitCode == 0, start.ToString());
        var before = await Sandbox.EventuallyAsync(lab.InstancesAsync, l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online) && l.Select(i => i.Host).Distinct().Count() == 3,
            "one instance on each namespaced host", TimeSpan.FromSeconds(40));
        // The gateway across real hosts: an app pinned to a, asked of b's and c's gateways (from the bridge). Its
        // instances listen on a's advertised address (HOST), which b and c reach over the bridge.
        var port = Ports.Free();
        var web = await lab.RunAsync("start", Repo.App("web.js"), "--name", "web", "-i", "2", "--port", port.ToString(), "--hosts", TestCluster.NodeName(4053, $"{net}.11"));
        Assert.True(web.ExitCode == 0, web.ToString());
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        {
            foreach (var gateway in new[] { $"{net}.12", $"{net}.13" })
            {
                var pid = await Sandbox.EventuallyAsync(async () =>
                {
                    try
                    {
                        var body = await http.GetStringAsync($"http://{gateway}:{port}/");
                        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("pid").GetInt32();
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return 0;
                    }
                }, p => p > 0, $"the gateway on {gateway} to serve the app of host a", TimeSpan.FromSeconds(30));
                Assert.Equal($"{tag}a", NamespaceOf(pid));
            }
        }
        Assert.True((await lab.RunAsync("delete", "web")).ExitCode == 0);

        // Cut c's link: the majority downs it and moves its instance; c, alone, downs itself and stops it.
        var cPid = Sandbox.DaemonPid(w2.Home);
        var victim = before.Single(i => i.Host.EndsWith(":4055", StringComparison.Ordinal));
        Assert.Equal($"{tag}c", NamespaceOf(victim.Pid!.Value));
        var watch = Stopwatch.StartNew();
        Assert.True(await Sh($"ip link set {tag}ch down"));
        var after = await Sandbox.EventuallyAsync(lab.InstancesAsync,
            l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online && i.Host != victim.Host), "the cut host's instance to move", TimeSpan.FromSeconds(45));
        output.WriteLine($"link cut to instance running elsewhere: {watch.Elapsed.TotalSeconds:0.0} s");
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(cPid) || ProcessTable.Alive(victim.Pid!.Value)), alive => !alive,
            "the isolated host to down itself and stop its instance (no double run)", TimeSpan.FromSeconds(45));
        Assert.Equal(3, after.Select(i => i.Pid).Distinct().Count());
    }

    /// <summary>
    /// A firewall that rejects with TCP resets looks, to a connect, exactly like a dead process (refused). The
    /// isolated host must not take that as proof that everyone else died and down the majority (two clusters, two
    /// masters, its instances running twice): only a side that holds a majority may down by refusal.
    /// </summary>
    [Fact]
    public async Task FirewallRejectsWithResetsAroundAHost_TheMinorityDoesNotDownTheMajority_ItStopsItsInstances()
    {
        if (!await NetnsLab.AvailableAsync(output)) return;
        if (!await Sh("command -v iptables"))
        {
            output.WriteLine("SKIPPED: needs iptables (.ci/run installs it)");
            return;
        }
        await using var lab = await NetnsLab.StartAsync();
        var start = await lab.RunAsync("start", Repo.App("idle.js"), "-i", "3", "--name", "part");
        Assert.True(start.ExitCode == 0, start.ToString());
        var before = await Sandbox.EventuallyAsync(lab.InstancesAsync, l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online) && l.Select(i => i.Host).Distinct().Count() == 3,
            "one instance on each namespaced host", TimeSpan.FromSeconds(40));
        var cPid = Sandbox.DaemonPid(lab.Workers[2].Home);
        var victim = before.Single(i => i.Host.EndsWith(":4055", StringComparison.Ordinal));

        // Inside c's namespace: every TCP packet in or out (but loopback) is answered with a reset. The others'
        // connects to c are refused; c's connects to them are refused too (REJECT in OUTPUT).
        var ns = $"{lab.Tag}c";
        Assert.True(await Sh($"ip netns exec {ns} iptables -A INPUT ! -i lo -p tcp -j REJECT --reject-with tcp-reset " +
                             $"&& ip netns exec {ns} iptables -A OUTPUT ! -o lo -p tcp -j REJECT --reject-with tcp-reset"), "cannot add the REJECT rules");
        var watch = Stopwatch.StartNew();
        var after = await Sandbox.EventuallyAsync(lab.InstancesAsync,
            l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online && i.Host != victim.Host), "the rejected host's instance to move", TimeSpan.FromSeconds(45));
        output.WriteLine($"reject rules to instance running elsewhere: {watch.Elapsed.TotalSeconds:0.0} s");
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(cPid) || ProcessTable.Alive(victim.Pid!.Value)), alive => !alive,
            "the rejected host to down itself and stop its instance (no double run)", TimeSpan.FromSeconds(45));
        // The majority was never downed: its members are all still up, and their instances are the ones listed.
        var members = await lab.MembersAsync();
        Assert.Equal(3, members.Count(m => m.Status == "Up"));
        Assert.All(after, i => Assert.True(ProcessTable.Alive(i.Pid!.Value), $"{i.Host} lost its instance"));
        Assert.Equal(3, after.Select(i => i.Pid).Distinct().Count());
    }

    /// <summary>
    /// Three hosts in namespaces a, b, c on a bridge (10.231.N.11-13, cluster ports 4053-4055), a lighthouse on the
    /// bridge in the root namespace (10.231.N.1) with its control API on loopback.
    /// </summary>
    private sealed class NetnsLab : IAsyncDisposable
    {
        private static readonly string[] Names = ["a", "b", "c"];
        private Process? _lighthouse;

        private NetnsLab()
        {
            var id = Random.Shared.Next(100, 250);
            Tag = $"pbm{id}";
            Net = $"10.231.{id}";
        }

        public string Tag { get; }
        public string Net { get; }
        public Sandbox Seed { get; } = new();
        public Sandbox[] Workers { get; } = [new(), new(), new()];
        public int Api { get; } = Ports.Free();
        public string Token => File.ReadAllText(Path.Combine(Seed.Home, "token")).Trim();

        public static async Task<bool> AvailableAsync(ITestOutputHelper output)
        {
            if (Environment.UserName == "root" && await Sh("ip netns list")) return true;
            output.WriteLine("SKIPPED: needs root and `ip netns` (iproute2) to build network namespaces");
            return false;
        }

        public static async Task<NetnsLab> StartAsync()
        {
            var lab = new NetnsLab();
            try
            {
                await lab.BuildAsync();
                return lab;
            }
            catch
            {
                await lab.DisposeAsync();
                throw;
            }
        }

        private async Task BuildAsync()
        {
            Assert.True(await Sh($"ip link add {Tag}br type bridge && ip addr add {Net}.1/24 dev {Tag}br && ip link set {Tag}br up"));
            for (var i = 0; i < Names.Length; i++)
            {
                var ns = Tag + Names[i];
                Assert.True(await Sh($"ip netns add {ns} && ip link add {ns}h type veth peer name {ns}n && ip link set {ns}n netns {ns} " +
                                     $"&& ip link set {ns}h master {Tag}br && ip link set {ns}h up " +
                                     $"&& ip netns exec {ns} ip addr add {Net}.{11 + i}/24 dev {ns}n && ip netns exec {ns} ip link set {ns}n up " +
                                     $"&& ip netns exec {ns} ip link set lo up"), $"cannot build namespace {ns}");
            }
            var seedPort = Ports.Free();
            _lighthouse = Process.Start(new ProcessStartInfo(Path.Combine(Repo.Bin, "pbm-lighthouse"),
                ["--home", Seed.Home, "--cluster-ip", $"{Net}.1", "--cluster-port", seedPort.ToString(), "--api", $"127.0.0.1:{Api}"])
            {
                Environment = { ["PBM_HOME"] = Seed.Home, ["PBM_ALLOW_PLAINTEXT"] = "1" },
            })!;
            for (var i = 0; i < Workers.Length; i++)
            {
                var ok = await Sh($"ip netns exec {Tag}{Names[i]} env PBM_HOME={Workers[i].Home} PBM_ALLOW_PLAINTEXT=1 {Repo.Pbm} daemon " +
                                  $"--seeds {Net}.1:{seedPort} --cluster-ip {Net}.{11 + i} --cluster-port {4053 + i}");
                Assert.True(ok, $"worker in namespace {Names[i]} did not start");
            }
        }

        /// <summary>pbm against the lighthouse's API.</summary>
        public Task<CliResult> RunAsync(params string[] args) => Seed.RunAsync([.. args, "--endpoint", $"127.0.0.1:{Api}", "--token", Token]);

        public async Task<List<InstanceInfo>> InstancesAsync()
        {
            var r = await RunAsync("list", "--json");
            return r.ExitCode == 0
                ? System.Text.Json.JsonSerializer.Deserialize(r.Stdout, PbmJsonContext.Default.ListResult)!.Apps.SelectMany(a => a.Instances).ToList()
                : [];
        }

        public async Task<List<ClusterMemberInfo>> MembersAsync()
        {
            var r = await RunAsync("cluster", "show", "--json");
            return r.ExitCode == 0 ? System.Text.Json.JsonSerializer.Deserialize(r.Stdout, PbmJsonContext.Default.ClusterInfo)!.Members.ToList() : [];
        }

        public async ValueTask DisposeAsync()
        {
            if (_lighthouse is not null)
            {
                try { _lighthouse.Kill(true); } catch (InvalidOperationException) { }
                _lighthouse.Dispose();
            }
            // Namespaced daemons are stopped by their sandboxes (PBM_HOME, pid files); then the links and namespaces go
            // (deleting a namespace drops its iptables rules with it).
            foreach (var box in Workers) await box.DisposeAsync();
            await Seed.DisposeAsync();
            foreach (var n in Names) await Sh($"ip link del {Tag}{n}h; ip netns del {Tag}{n}");
            await Sh($"ip link del {Tag}br");
        }
    }

    private static string? NamespaceOf(int pid)
    {
        try
        {
            var mine = new FileInfo("/proc/self/ns/net").ResolveLinkTarget(false)?.Name;
            var theirs = new FileInfo($"/proc/{pid}/ns/net").ResolveLinkTarget(false)?.Name;
            if (theirs is null || theirs == mine) return null;
            foreach (var file in Directory.EnumerateFiles("/run/netns"))
                if (new FileInfo(file).Exists && Inode(file) == Inode($"/proc/{pid}/ns/net")) return Path.GetFileName(file);
        }
        catch (IOException)
        {
        }
        return null;
    }

    private static string Inode(string path)
    {
        var psi = new ProcessStartInfo("stat", ["-L", "-c", "%i", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return text;
    }

    private static async Task<bool> Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        await p.StandardOutput.ReadToEndAsync();
        await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return p.ExitCode == 0;
    }

    private sealed class Cleanup(Func<Task> action) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await action();
    }
}
