using Microsoft.Extensions.Logging.Abstractions;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

/// <summary>What a daemon killed -9 left: the next one (or `pbm kill`) reaps it from PBM_HOME/pids.</summary>
public sealed class PidRegistryTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly string _home = Directory.CreateTempSubdirectory("pbm-pids-").FullName;
    private readonly List<ChildProcess> _started = [];
    private readonly List<(int Pid, ulong Start)> _strays = [];
    private TreeTracking? _trees;

    [Fact]
    public void Parse_ReadsTheCgroupPathWhenThereIsOne()
    {
        Assert.Equal((42, 1000UL, null), PidRegistry.Parse("42 1000\n"));
        Assert.Equal((42, 1000UL, "/sys/fs/cgroup/a b/pbm-0123456789ab/web-0-42"), PidRegistry.Parse("42 1000 /sys/fs/cgroup/a b/pbm-0123456789ab/web-0-42\n"));
        Assert.Null(PidRegistry.Parse("garbage"));
    }

    [CgroupFact]
    public Task ReapOrphans_KillsWhatTheRecordedCgroupHolds_AndRemovesIt() =>
        ReapsAsync(TreeTracking.Open(true, _home, TimeSpan.FromSeconds(3), NullLogger.Instance), cgroup: true);

    [Fact]
    public Task ReapOrphans_WithoutACgroup_KillsTheSessionAndTheDescendantsOfItsLiveMembers() =>
        ReapsAsync(TreeTracking.Open(false, _home, TimeSpan.FromSeconds(3), NullLogger.Instance), cgroup: false);

    private async Task ReapsAsync(TreeTracking trees, bool cgroup)
    {
        _trees = trees;
        var lines = new LineCollector();
        var env = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" };
        // With a cgroup even a double-forked, detached grandchild is found; without, one still attached to the leader.
        var script = cgroup ? "sleep 0.1; (setsid sleep 600 & echo $!); exec sleep 600" : "setsid sleep 600 & echo $!; exec sleep 600";
        var child = ChildProcess.Start(new LaunchSpec("sh", ["-c", script], _home, env), lines, trees, "app-0");
        _started.Add(child);
        var grandchild = int.Parse(await lines.NextOutAsync());
        var start = ProcStat.Read(grandchild)!.Value.StartTicks;
        _strays.Add((grandchild, start));
        var pids = Path.Combine(_home, "pids");
        new PidRegistry(pids).Record("app", 0, child.Pid, child.StartTicks, child.Tree.Cgroup?.Path);

        // The daemon that recorded it is gone (its child objects are not asked anything): the next one reaps.
        var reaped = new PidRegistry(pids).ReapOrphans(NullLogger.Instance);
        Assert.Equal([$"app-0-{child.Pid} (pid {child.Pid})"], reaped);
        Assert.False(ProcStat.Read(grandchild) is { State: not ('Z' or 'X') } p && p.StartTicks == start, "the grandchild survived the reaping");
        Assert.Empty(Directory.EnumerateFiles(pids));
        if (child.Tree.Cgroup is { } c) Assert.False(Directory.Exists(c.Path), "the reaped cgroup was left behind");
        Assert.Equal(137, await child.WaitForExitAsync().WaitAsync(Limit));
    }

    public void Dispose()
    {
        foreach (var child in _started)
        {
            child.KillTree();
            child.WaitForExitAsync().Wait(Limit);
        }
        foreach (var (pid, start) in _strays)
            if (ProcStat.Read(pid) is { } p && p.StartTicks == start) Native.Kill(pid, 9);
        _trees?.Close();
        Directory.Delete(_home, recursive: true);
    }
}
