using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pbm.Runtime.Processes;

/// <summary>
/// How a host keeps track of every process its instances start, so that stop, restart, delete, kill and a crash
/// leave nothing behind, not even what left the instance's session (Node's <c>spawn(..., {detached: true})</c>
/// calls setsid). Chosen once per host and said once in pbm.log:
/// <list type="bullet">
/// <item>cgroup v2, where the daemon may create cgroups (<see cref="CgroupTree"/>): each run gets its own cgroup
/// (<see cref="InstanceCgroup"/>), killed whole with cgroup.kill;</item>
/// <item>otherwise a walk of /proc (<see cref="DescendantRecord"/>): the session, and descendants by parent,
/// recorded at every metrics sample so that one reparented to init is still known.</item>
/// </list>
/// pbm.processes.cgroups = off forces the walk. Thread-safe: the host's workers adopt and release, the metrics
/// sampler observes.
/// </summary>
internal sealed class TreeTracking
{
    private readonly CgroupTree? _cgroups;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly HashSet<InstanceTree> _walked = [];
    private volatile bool _cgroupsFailed;

    private TreeTracking(CgroupTree? cgroups, TimeSpan killWait, ILogger log, LimitCgroups limits)
    {
        _cgroups = cgroups;
        Limits = limits;
        KillWait = killWait;
        _log = log;
    }

    /// <summary>Where the kernel limits of instances go (--memory-limit, --cpu-limit, --pids-limit), if anywhere.</summary>
    public LimitCgroups Limits { get; }

    /// <summary>How long a stop waits, after the SIGKILL, for every process of a tree to be gone (pbm.processes.kill-wait).</summary>
    public TimeSpan KillWait { get; }

    /// <summary>The subtree of this home's cgroups, or null when trees are tracked through /proc.</summary>
    public string? CgroupRoot => _cgroupsFailed ? null : _cgroups?.Path;

    /// <summary>/proc only, nothing logged: for a process started outside a host (tests, tools).</summary>
    public static TreeTracking WalkProc(TimeSpan killWait) => new(null, killWait, NullLogger.Instance, LimitCgroups.None("no daemon home"));

    /// <summary>
    /// Picks the method for the home <paramref name="home"/> (cgroups unless <paramref name="useCgroups"/> is false
    /// or they cannot be used here), kills and removes what a previous daemon of this home left in its cgroups (run
    /// after the orphan reaping, under the home's lock), and logs which method is in use.
    /// </summary>
    public static TreeTracking Open(bool useCgroups, string home, TimeSpan killWait, ILogger log)
    {
        var why = "pbm.processes.cgroups = off";
        var cgroups = useCgroups ? CgroupTree.Open(home, out why) : null;
        if (cgroups is null)
        {
            log.LogInformation("instance process trees are tracked by walking /proc (session, descendants by parent, " +
                               "and a record kept at every metrics sample), not with cgroups: {Reason}", why);
            return new TreeTracking(null, killWait, log, useCgroups ? LimitCgroups.Open(home, null, log) : LimitCgroups.None(why));
        }
        var leftover = cgroups.Sweep(killWait);
        if (leftover > 0)
            log.LogWarning("killed what {Count} cgroups of a previous daemon of this home still held under {Path}", leftover, cgroups.Path);
        log.LogInformation("instance process trees are tracked with cgroup v2: one cgroup per instance run under {Path}, " +
                           "killed whole with cgroup.kill", cgroups.Path);
        return new TreeTracking(cgroups, killWait, log, LimitCgroups.Open(home, cgroups, log));
    }

    /// <summary>
    /// Takes charge of a process just spawned (<paramref name="pid"/>, started at <paramref name="startTicks"/>):
    /// into a new cgroup named <c>LABEL-PID</c> with whatever of its session forked already, or onto the /proc
    /// record. Never throws: a cgroup that cannot be used falls back to the walk, for this and later runs.
    /// </summary>
    /// <param name="limits">Kernel limits for the run (--memory-limit...), applied where this host can (see <see cref="LimitCgroups"/>).</param>
    public InstanceTree Adopt(string label, int pid, ulong startTicks, ResourceLimits? limits = null)
    {
        var tree = AdoptTree(label, pid, startTicks);
        if (limits is not null)
        {
            var name = tree.Cgroup is { } own ? System.IO.Path.GetFileName(own.Path) : $"{CgroupTree.Sanitize(label)}-{pid}";
            tree.Limits = Limits.Apply(limits, tree.Cgroup, name, tree.Cgroup?.Pids() is { Count: > 0 } inside ? inside : [pid]);
            foreach (var problem in tree.Limits.Problems) _log.LogWarning("pid {Pid}: limit not applied: {Problem}", pid, problem);
        }
        return tree;
    }

    private InstanceTree AdoptTree(string label, int pid, ulong startTicks)
    {
        if (_cgroups is { } cgroups && !_cgroupsFailed)
        {
            var cgroup = cgroups.Create(label, pid, out var errno);
            if (cgroup is not null)
            {
                errno = cgroup.Move(pid);
                // ESRCH: it died already; its cgroup stays, empty, to be removed like any other.
                if (errno is 0 or CgroupFs.ESRCH)
                {
                    MoveEarlyForks(cgroup, pid, startTicks);
                    return new InstanceTree(pid, startTicks, cgroup, this);
                }
                cgroup.Remove();
            }
            _cgroupsFailed = true;
            _log.LogWarning("cannot put pid {Pid} into a cgroup under {Path} ({Error}): tracking this and later instances by walking /proc",
                pid, cgroups.Path, Native.ErrorText(errno));
        }
        var tree = new InstanceTree(pid, startTicks, null, this);
        lock (_gate) _walked.Add(tree);
        return tree;
    }

    /// <summary>
    /// glibc's posix_spawn returns once the child has exec'd, so the leader is moved within a millisecond or so of
    /// its start (what it forks from then on is born in the cgroup). Whatever it forked before that is moved too:
    /// every process of its session and every descendant by parent, detached ones included, until a read of /proc
    /// finds none left outside (usually the first: an app has hardly started). Only a double fork whose middle
    /// process exited within that millisecond, its child having left the session, is out of reach.
    /// </summary>
    private static void MoveEarlyForks(InstanceCgroup cgroup, int leader, ulong leaderStart)
    {
        var early = new DescendantRecord(leader, leaderStart);
        for (var pass = 0; pass < 3; pass++)
        {
            early.Observe(ProcTable.Scan());
            var inside = cgroup.Pids().ToHashSet();
            var moved = 0;
            foreach (var pid in early.Members.Keys)
                if (!inside.Contains(pid) && cgroup.Move(pid) == 0) moved++;
            if (moved == 0) return;
        }
    }

    /// <summary>True while some instance is tracked through /proc: the metrics sampler then hands every scan to <see cref="Observe"/>.</summary>
    public bool Walking
    {
        get
        {
            lock (_gate) return _walked.Count > 0;
        }
    }

    /// <summary>Records, for every instance tracked through /proc, which processes of <paramref name="table"/> are its.</summary>
    public void Observe(ProcTable table)
    {
        InstanceTree[] walked;
        lock (_gate) walked = [.. _walked];
        foreach (var tree in walked) tree.Record!.Observe(table);
    }

    /// <summary>A tree was killed and waited for (<see cref="InstanceTree.ReleaseAsync"/>).</summary>
    internal void Released(InstanceTree tree, bool gone)
    {
        lock (_gate) _walked.Remove(tree);
        if (!gone)
            _log.LogWarning("processes of pid {Pid}'s tree outlived SIGKILL by {Wait} (uninterruptible sleep?){Where}",
                tree.Leader, KillWait, tree.Cgroup is { } c ? $"; its cgroup {c.Path} stays until the next daemon start" : "");
    }

    /// <summary>
    /// At shutdown, once every instance is stopped: kills what is still in a cgroup of this home (nothing, unless a
    /// stop gave up) and removes the home's subtree.
    /// </summary>
    public void Close()
    {
        Limits.Close();
        if (_cgroups is null) return;
        if (_cgroups.Sweep(KillWait) > 0) _log.LogWarning("killed processes left in cgroups under {Path} at shutdown", _cgroups.Path);
        _cgroups.RemoveIfEmpty();
    }
}
