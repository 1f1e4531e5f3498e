using System.Diagnostics;

namespace Pbm.Runtime.Processes;

/// <summary>
/// Everything one run of an instance started, and how it is all killed: its session (what it was started in), plus
/// its cgroup where the host has them (<see cref="Cgroup"/>), else the record of its descendants kept from /proc
/// (<see cref="Record"/>). Made by <see cref="TreeTracking.Adopt"/> right after the spawn.
/// </summary>
internal sealed class InstanceTree
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private readonly TreeTracking _owner;

    internal InstanceTree(int leader, ulong leaderStart, InstanceCgroup? cgroup, TreeTracking owner)
    {
        Leader = leader;
        LeaderStart = leaderStart;
        Cgroup = cgroup;
        Record = cgroup is null ? new DescendantRecord(leader, leaderStart) : null;
        _owner = owner;
    }

    public int Leader { get; }
    public ulong LeaderStart { get; }

    /// <summary>The run's cgroup (where issue 17's limits go), or null when the tree is tracked through /proc.</summary>
    public InstanceCgroup? Cgroup { get; }

    /// <summary>The kernel limits of the run (--memory-limit...), when it has any.</summary>
    public InstanceLimits? Limits { get; internal set; }

    /// <summary>Once released: the memory limit at which the kernel's OOM killer ended a process of the run, else null.</summary>
    public long? OomKilled { get; private set; }

    /// <summary>The /proc record of the run's descendants, when it has no cgroup.</summary>
    public DescendantRecord? Record { get; }

    /// <summary>
    /// Without a cgroup, brings the record up to date: before a stop's signal, so that what the leader's death is
    /// about to hand to init is known first. (With a cgroup there is nothing to record.)
    /// </summary>
    public void Refresh() => Record?.Observe(ProcTable.Scan());

    /// <summary>
    /// SIGKILLs the whole tree, now: the session, and the cgroup (cgroup.kill) or every recorded and found
    /// descendant. Fast enough for an actor thread (one write, or a read of /proc); it does not wait for them to die.
    /// </summary>
    public void Kill()
    {
        if (Cgroup is { } cgroup)
        {
            cgroup.Kill();
            ProcessGroups.KillSession(Leader, LeaderStart);
            return;
        }
        // The walk first (it takes in the session): once the leader dies and is reaped, its children are init's, and
        // only the record still ties them to it.
        Record!.KillAll();
        Native.KillGroup(Leader, 9);
    }

    /// <summary>
    /// Once the leader exited: kills what is left, waits (asynchronously) until all of it is gone, at most the
    /// tracking's kill-wait, and removes the cgroup. False when something outlived the wait.
    /// </summary>
    public async Task<bool> ReleaseAsync()
    {
        var gone = false;
        // Read before the cgroups go: the leader has exited, so an OOM kill of it is counted already.
        if (Limits is { Limits.MemoryBytes: { } memory } limits && limits.OomKilled()) OomKilled = memory;
        try
        {
            if (Cgroup is { } cgroup)
            {
                ProcessGroups.KillSession(Leader, LeaderStart);
                return gone = await cgroup.KillAndRemoveAsync(_owner.KillWait).ConfigureAwait(false);
            }
            Kill();
            var watch = Stopwatch.StartNew();
            while (Record!.AnyAlive())
            {
                if (watch.Elapsed >= _owner.KillWait) return false;
                await Task.Delay(Poll).ConfigureAwait(false);
            }
            return gone = true;
        }
        finally
        {
            if (gone) Limits?.Remove();
            _owner.Released(this, gone);
        }
    }
}
