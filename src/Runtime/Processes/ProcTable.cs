namespace Pbm.Runtime.Processes;

/// <summary>
/// One read of every process (from /proc, or from the metrics sampler's own scan), indexed by pid, parent and
/// session, so that finding an instance's descendants costs a walk of its tree, not a scan per instance.
/// </summary>
internal sealed class ProcTable
{
    private static readonly List<ProcStat> None = [];
    private readonly Dictionary<int, ProcStat> _byPid;
    private readonly Dictionary<int, List<ProcStat>> _children = [];
    private readonly Dictionary<int, List<ProcStat>> _sessions = [];

    public ProcTable(IEnumerable<ProcStat> processes)
    {
        _byPid = [];
        foreach (var p in processes)
        {
            _byPid[p.Pid] = p;
            Add(_children, p.PPid, p);
            Add(_sessions, p.Session, p);
        }
    }

    /// <summary>A fresh read of /proc.</summary>
    public static ProcTable Scan() => new(ProcStat.All());

    public int Count => _byPid.Count;

    public ProcStat? Get(int pid) => _byPid.TryGetValue(pid, out var p) ? p : null;

    public IReadOnlyList<ProcStat> ChildrenOf(int pid) => _children.TryGetValue(pid, out var c) ? c : None;

    public IReadOnlyList<ProcStat> InSession(int sid) => _sessions.TryGetValue(sid, out var s) ? s : None;

    private static void Add(Dictionary<int, List<ProcStat>> index, int key, ProcStat p)
    {
        if (!index.TryGetValue(key, out var list)) index[key] = list = [];
        list.Add(p);
    }
}
