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
        if (Environment.UserName != "root" || !await Sh("ip netns list"))
        {
            output.WriteLine("SKIPPED: needs root and `ip netns` (iproute2) to build network namespaces");
            return;
        }
        var id = Random.Shared.Next(100, 250);
        var tag = $"pbm{id}";
        var net = $"10.231.{id}";
        var names = new[] { "a", "b", "c" };
        await using var lab = new Cleanup(async () =>
        {
            foreach (var n in names) await Sh($"ip link del {tag}{n}h; ip netns del {tag}{n}");
            await Sh($"ip link del {tag}br");
        });
        Assert.True(await Sh($"ip link add {tag}br type bridge && ip addr add {net}.1/24 dev {tag}br && ip link set {tag}br up"));
        for (var i = 0; i < names.Length; i++)
        {
            var ns = tag + names[i];
            Assert.True(await Sh($"ip netns add {ns} && ip link add {ns}h type veth peer name {ns}n && ip link set {ns}n netns {ns} " +
                                 $"&& ip link set {ns}h master {tag}br && ip link set {ns}h up " +
                                 $"&& ip netns exec {ns} ip addr add {net}.{11 + i}/24 dev {ns}n && ip netns exec {ns} ip link set {ns}n up " +
                                 $"&& ip netns exec {ns} ip link set lo up"), $"cannot build namespace {ns}");
        }

        // A lighthouse on the bridge (root namespace) with its API on loopback; one worker per namespace.
        await using var seed = new Sandbox();
        await using var w0 = new Sandbox();
        await using var w1 = new Sandbox();
        await using var w2 = new Sandbox();
        var workers = new[] { w0, w1, w2 };
        var seedPort = Ports.Free();
        var api = Ports.Free();
        var lighthouse = Process.Start(new ProcessStartInfo(Path.Combine(Repo.Bin, "pbm-lighthouse"),
            ["--home", seed.Home, "--cluster-ip", $"{net}.1", "--cluster-port", seedPort.ToString(), "--api", $"127.0.0.1:{api}"])
        {
            Environment = { ["PBM_HOME"] = seed.Home, ["PBM_ALLOW_PLAINTEXT"] = "1" },
        })!;
        try
        {
            for (var i = 0; i < workers.Length; i++)
            {
                var ok = await Sh($"ip netns exec {tag}{names[i]} env PBM_HOME={workers[i].Home} PBM_ALLOW_PLAINTEXT=1 {Repo.Pbm} daemon " +
                                  $"--seeds {net}.1:{seedPort} --cluster-ip {net}.{11 + i} --cluster-port {4053 + i}");
                Assert.True(ok, $"worker in namespace {names[i]} did not start");
            }
            var token = (await File.ReadAllTextAsync(Path.Combine(seed.Home, "token"))).Trim();
            async Task<List<InstanceInfo>> Instances()
            {
                var r = await seed.RunAsync("list", "--json", "--endpoint", $"127.0.0.1:{api}", "--token", token);
                return r.ExitCode == 0
                    ? System.Text.Json.JsonSerializer.Deserialize(r.Stdout, PbmJsonContext.Default.ListResult)!.Apps.SelectMany(a => a.Instances).ToList()
                    : [];
            }
            var start = await seed.RunAsync("start", Repo.App("idle.js"), "-i", "3", "--name", "part", "--endpoint", $"127.0.0.1:{api}", "--token", token);
            Assert.True(start.ExitCode == 0, start.ToString());
            var before = await Sandbox.EventuallyAsync(Instances, l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online) && l.Select(i => i.Host).Distinct().Count() == 3,
                "one instance on each namespaced host", TimeSpan.FromSeconds(40));
            // The gateway across real hosts: an app pinned to a, asked of b's and c's gateways (from the bridge). Its
            // instances listen on a's advertised address (HOST), which b and c reach over the bridge.
            var port = Ports.Free();
            var web = await seed.RunAsync("start", Repo.App("web.js"), "--name", "web", "-i", "2", "--port", port.ToString(), "--hosts", TestCluster.NodeName(4053),
                "--endpoint", $"127.0.0.1:{api}", "--token", token);
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
            Assert.True((await seed.RunAsync("delete", "web", "--endpoint", $"127.0.0.1:{api}", "--token", token)).ExitCode == 0);

            // Cut c's link: the majority downs it and moves its instance; c, alone, downs itself and stops it.
            var cPid = Sandbox.DaemonPid(w2.Home);
            var victim = before.Single(i => i.Host.EndsWith(":4055", StringComparison.Ordinal));
            Assert.Equal($"{tag}c", NamespaceOf(victim.Pid!.Value));
            var watch = Stopwatch.StartNew();
            Assert.True(await Sh($"ip link set {tag}ch down"));
            var after = await Sandbox.EventuallyAsync(Instances,
                l => l.Count == 3 && l.All(i => i.Status == InstanceStatus.Online && i.Host != victim.Host), "the cut host's instance to move", TimeSpan.FromSeconds(45));
            output.WriteLine($"link cut to instance running elsewhere: {watch.Elapsed.TotalSeconds:0.0} s");
            await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(cPid) || ProcessTable.Alive(victim.Pid!.Value)), alive => !alive,
                "the isolated host to down itself and stop its instance (no double run)", TimeSpan.FromSeconds(45));
            Assert.Equal(3, after.Select(i => i.Pid).Distinct().Count());
        }
        finally
        {
            lighthouse.Kill(true);
            lighthouse.Dispose();
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
