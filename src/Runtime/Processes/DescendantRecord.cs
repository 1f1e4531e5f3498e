namespace Pbm.Runtime.Processes;

/// <summary>
/// Where the host has no usable cgroup v2: the processes known to belong to one run of an instance, kept from
/// /proc. A process belongs when it is in the leader's session, or when its parent is the leader or a process
/// already known to belong; only processes that started no earlier than the leader count, and each is known by
/// pid and start time, so a recycled pid is never taken for a member. Thread-safe.
/// </summary>
/// <remarks>
/// A process that left the session (setsid) is found through its parent; once that parent exits it is reparented
/// to init, and no later read of /proc can tell whose it was. Hence the record is kept up to date at every metrics
/// sample (<see cref="TreeTracking.Observe"/>) and just before a stop's signal (<see cref="InstanceTree.Refresh"/>),
/// and a stop kills what the record holds as well as what a fresh read finds. What leaves the session and loses its
/// parent on its own (a crash, a double fork) between two samples is out of reach: cgroups exist for that.
/// </remarks>
internal sealed class DescendantRecord(int leader, ulong leaderStart)
{
    // A process that forks while the tree is being stopped adds a member: a few passes catch those.
    private const int StopPasses = 5;
    private const int SIGKILL = 9;
    private const int SIGSTOP = 19;
    private readonly Lock _gate = new();
    private Dictionary<int, ulong> _members = new() { [leader] = leaderStart };

    /// <summary>The live members at the last <see cref="Observe"/>, by pid, with their start times.</summary>
    public IReadOnlyDictionary<int, ulong> Members
    {
        get
        {
            lock (_gate) return new Dictionary<int, ulong>(_members);
        }
    }

    /// <summary>Adds every process of <paramref name="table"/> that now belongs, and drops the members that are gone.</summary>
    public void Observe(ProcTable table)
    {
        lock (_gate)
        {
            var next = new Dictionary<int, ulong>(_members.Count);
            var queue = new Queue<int>();
            void Add(ProcStat p)
            {
                if (p.State is 'Z' or 'X' || p.StartTicks < leaderStart) return;
                if (next.TryAdd(p.Pid, p.StartTicks)) queue.Enqueue(p.Pid);
            }
            foreach (var (pid, start) in _members)
                if (table.Get(pid) is { } p && p.StartTicks == start) Add(p);
            // Linux keeps a pid number in use while it names a live session, so a leader's pid held by another process
            // means the session is over: what now has that session id is the other process's.
            if (table.Get(leader) is not { } now || now.StartTicks == leaderStart)
                foreach (var p in table.InSession(leader)) Add(p);
            while (queue.TryDequeue(out var pid))
                foreach (var child in table.ChildrenOf(pid)) Add(child);
            _members = next;
        }
    }

    /// <summary>
    /// SIGKILLs every member, found afresh and recorded before; returns how many processes were signalled. They are
    /// first all stopped (SIGSTOP), reading /proc again until no new one shows up, so that none can fork a child that
    /// a parent's death would hand to init before it is seen; then killed.
    /// </summary>
    public int KillAll()
    {
        var hit = new List<(int Pid, ulong Start)>();
        var seen = new HashSet<int>();
        for (var pass = 0; pass < StopPasses; pass++)
        {
            Observe(ProcTable.Scan());
            var fresh = 0;
            foreach (var (pid, start) in Members)
            {
                if (!seen.Add(pid)) continue;
                Native.Kill(pid, SIGSTOP);
                hit.Add((pid, start));
                fresh++;
            }
            if (fresh == 0) break;
        }
        foreach (var (pid, _) in hit) Native.Kill(pid, SIGKILL);
        return hit.Count;
    }

    /// <summary>True while a member is still alive (a zombie is dead: it only waits for its parent).</summary>
    public bool AnyAlive()
    {
        foreach (var (pid, start) in Members)
            if (ProcStat.Read(pid) is { } p && p.StartTicks == start && p.State is not ('Z' or 'X')) return true;
        return false;
    }
}
