using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

/// <summary>
/// Killing an instance's whole tree with real processes, grandchildren in sessions of their own (setsid) included:
/// through its cgroup v2 where one can be made here, and by walking /proc.
/// </summary>
public sealed class TreeTrackingTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(3);
    private readonly string _home = Directory.CreateTempSubdirectory("pbm-trees-").FullName;
    private readonly List<ChildProcess> _started = [];
    private readonly List<TreeTracking> _opened = [];
    private readonly List<(int Pid, ulong Start)> _grandchildren = [];

    private TreeTracking Cgroups(string? home = null)
    {
        var trees = TreeTracking.Open(true, home ?? _home, KillWait, NullLogger.Instance);
        Assert.NotNull(trees.CgroupRoot);
        _opened.Add(trees);
        return trees;
    }

    private static TreeTracking Walk() => TreeTracking.Open(false, "/nonexistent", KillWait, NullLogger.Instance);

    private (ChildProcess Child, LineCollector Lines) Sh(TreeTracking trees, string script)
    {
        var lines = new LineCollector();
        var env = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" };
        var child = ChildProcess.Start(new LaunchSpec("sh", ["-c", script], _home, env), lines, trees, "t-0");
        _started.Add(child);
        return (child, lines);
    }

    /// <summary>The pid the script echoed, remembered so that it is killed whatever the test's outcome.</summary>
    private async Task<int> GrandchildAsync(LineCollector lines)
    {
        var pid = int.Parse(await lines.NextOutAsync());
        var stat = ProcStat.Read(pid);
        Assert.NotNull(stat);
        _grandchildren.Add((pid, stat.Value.StartTicks));
        return pid;
    }

    private bool Alive(int pid)
    {
        var start = _grandchildren.Single(g => g.Pid == pid).Start;
        return ProcStat.Read(pid) is { } p && p.StartTicks == start && p.State is not ('Z' or 'X');
    }

    /// <summary>The cgroup v2 path /proc/PID/cgroup gives (relative to the hierarchy's root).</summary>
    private static string CgroupOf(int pid) =>
        File.ReadAllLines($"/proc/{pid}/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];

    [CgroupFact]
    public async Task Cgroup_ADetachedGrandchild_IsInTheInstancesCgroup_AndDiesWithIt()
    {
        var (child, lines) = Sh(Cgroups(), "setsid sleep 600 & echo $!; exec sleep 600");
        var grandchild = await GrandchildAsync(lines);
        var cgroup = child.Tree.Cgroup!.Path;
        // $! is echoed as soon as the grandchild is forked: its setsid(2) may not have run yet.
        var watch = Stopwatch.StartNew();
        while (ProcStat.Read(grandchild) is { Session: var session } && session != grandchild && watch.Elapsed < Limit) await Task.Delay(10);
        Assert.Equal(grandchild, ProcStat.Read(grandchild)!.Value.Session);
        Assert.EndsWith($"/t-0-{child.Pid}", cgroup);
        Assert.EndsWith(CgroupOf(grandchild), cgroup);
        Assert.Equal(child.Tree.Cgroup.Pids().Order(), new[] { child.Pid, grandchild }.Order());

        child.KillTree();
        Assert.Equal(137, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.False(Alive(grandchild), "the detached grandchild survived");
        Assert.False(Directory.Exists(cgroup), "the instance's cgroup was left behind");
    }

    [CgroupFact]
    public async Task Cgroup_ALeaderThatCrashes_TakesItsDoubleForkedDetachedGrandchildWithIt()
    {
        // The subshell exits at once: the grandchild is reparented to init, in a session of its own. (After a pause:
        // a double fork completed within the leader's first millisecond is out of reach, see TreeTracking.)
        var (child, lines) = Sh(Cgroups(), "sleep 0.1; (setsid sleep 600 & echo $!); sleep 0.2; exit 3");
        var grandchild = await GrandchildAsync(lines);
        var cgroup = child.Tree.Cgroup!.Path;
        Assert.Equal(3, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.False(Alive(grandchild), "the orphaned grandchild outlived the crash");
        Assert.False(Directory.Exists(cgroup));
    }

    [CgroupFact]
    public async Task Cgroup_WhatTheLeadersSessionForkedBeforeItWasAdopted_IsMovedInToo()
    {
        // A leader started elsewhere (Process + setsid(1), no cgroup), adopted only once it has forked.
        var psi = new ProcessStartInfo("setsid", ["sh", "-c", "sleep 600 & echo $!; exec sleep 600"]) { RedirectStandardOutput = true };
        using var leader = Process.Start(psi)!;
        var forked = int.Parse((await leader.StandardOutput.ReadLineAsync())!);
        _grandchildren.Add((forked, ProcStat.Read(forked)!.Value.StartTicks));
        var tree = Cgroups().Adopt("early", leader.Id, ProcStat.Read(leader.Id)!.Value.StartTicks);
        Assert.Equal(tree.Cgroup!.Pids().Order(), new[] { leader.Id, forked }.Order());

        tree.Kill();
        await leader.WaitForExitAsync().WaitAsync(Limit);
        Assert.True(await tree.ReleaseAsync().WaitAsync(Limit));
        Assert.False(Alive(forked));
        Assert.False(Directory.Exists(tree.Cgroup.Path));
    }

    [CgroupFact]
    public async Task Cgroup_TheNextDaemonOfTheHome_KillsWhatAKilledOneLeftInItsCgroups()
    {
        var (child, lines) = Sh(Cgroups(), "sleep 0.1; (setsid sleep 600 & echo $!); exec sleep 600");
        var grandchild = await GrandchildAsync(lines);
        var cgroup = child.Tree.Cgroup!.Path;

        // The first "daemon" is gone without stopping anything; the next one of the same home opens its tracking.
        Cgroups();
        Assert.False(Alive(grandchild), "a leftover cgroup's process survived the next start");
        Assert.Equal(137, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.False(Directory.Exists(cgroup));
    }

    [CgroupFact]
    public async Task Cgroup_EachHomeHasASubtreeOfItsOwn_AndCloseRemovesIt()
    {
        var other = Directory.CreateTempSubdirectory("pbm-trees-").FullName;
        try
        {
            var mine = Cgroups();
            var theirs = Cgroups(other);
            Assert.NotEqual(mine.CgroupRoot, theirs.CgroupRoot);
            Assert.Equal(Path.GetDirectoryName(mine.CgroupRoot), Path.GetDirectoryName(theirs.CgroupRoot));
            Assert.Matches("^pbm-[0-9a-f]{12}$", Path.GetFileName(mine.CgroupRoot));

            var (child, _) = Sh(theirs, "exec sleep 600");
            var cgroup = child.Tree.Cgroup!.Path;
            Assert.StartsWith(theirs.CgroupRoot + "/", cgroup);
            child.KillTree();
            await child.WaitForExitAsync().WaitAsync(Limit);
            theirs.Close();
            Assert.False(Directory.Exists(theirs.CgroupRoot));
            Assert.True(Directory.Exists(mine.CgroupRoot));
        }
        finally
        {
            Directory.Delete(other, true);
        }
    }

    [Fact]
    public async Task Walk_ADetachedChildOfALiveLeader_IsKilledWithTheTree()
    {
        var trees = Walk();
        Assert.Null(trees.CgroupRoot);
        var (child, lines) = Sh(trees, "setsid sleep 600 & echo $!; exec sleep 600");
        var grandchild = await GrandchildAsync(lines);
        Assert.Null(child.Tree.Cgroup);
        Assert.True(trees.Walking);

        child.KillTree();
        Assert.Equal(137, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.False(Alive(grandchild), "the detached child survived");
        Assert.False(trees.Walking);
    }

    [Fact]
    public async Task Walk_AnOrphanRecordedBeforeItsParentExited_IsKilledWithTheTree()
    {
        var trees = Walk();
        var (child, lines) = Sh(trees, "(setsid sleep 600 & echo $!; while [ ! -e go ]; do sleep 0.02; done); exec sleep 600");
        var grandchild = await GrandchildAsync(lines);
        // What the metrics sampler does every second.
        trees.Observe(ProcTable.Scan());
        await File.WriteAllTextAsync(Path.Combine(_home, "go"), "");
        // Its parent exits: it is reparented out of the tree, in a session of its own; only the record still knows it.
        var watch = Stopwatch.StartNew();
        while (ProcStat.Read(ProcStat.Read(grandchild)!.Value.PPid) is { Session: var s } && s == child.Pid && watch.Elapsed < Limit)
            await Task.Delay(20);
        Assert.NotEqual(child.Pid, ProcStat.Read(ProcStat.Read(grandchild)!.Value.PPid)?.Session);

        child.KillTree();
        Assert.Equal(137, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.False(Alive(grandchild), "the recorded orphan survived");
    }

    [Fact]
    public async Task Walk_ALeaderThatCrashes_TakesItsRecordedDetachedChildWithIt()
    {
        var trees = Walk();
        var (child, lines) = Sh(trees, "setsid sleep 600 & echo $!; while [ ! -e crash ]; do sleep 0.02; done; exit 3");
        var grandchild = await GrandchildAsync(lines);
        trees.Observe(ProcTable.Scan());
        await File.WriteAllTextAsync(Path.Combine(_home, "crash"), "");
        Assert.Equal(3, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.False(Alive(grandchild), "the detached child outlived the crash");
    }

    public void Dispose()
    {
        foreach (var child in _started)
        {
            child.KillTree();
            child.WaitForExitAsync().Wait(Limit);
        }
        foreach (var (pid, start) in _grandchildren)
            if (ProcStat.Read(pid) is { } p && p.StartTicks == start) Native.Kill(pid, 9);
        foreach (var trees in _opened) trees.Close();
        Directory.Delete(_home, recursive: true);
    }
}
