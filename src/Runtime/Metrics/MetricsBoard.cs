using Pbm.Client.Contracts;

namespace Pbm.Runtime.Metrics;

/// <summary>
/// The latest sample of the host, read by the actors that answer <c>pbm list</c> without asking anyone. Workers
/// watch their leader's pid here, so the sampler scans /proc only while instances run. Thread-safe.
/// </summary>
internal sealed class MetricsBoard
{
    private readonly object _gate = new();
    private readonly HashSet<int> _watched = [];
    private volatile IReadOnlyDictionary<int, TreeUsage> _trees = new Dictionary<int, TreeUsage>();
    private volatile HostStats? _host;

    public HostStats? Host => _host;

    public TreeUsage? Tree(int? leaderPid) => leaderPid is { } pid && _trees.TryGetValue(pid, out var t) ? t : null;

    public void Watch(int leaderPid)
    {
        lock (_gate) _watched.Add(leaderPid);
    }

    public void Unwatch(int leaderPid)
    {
        lock (_gate) _watched.Remove(leaderPid);
    }

    public IReadOnlySet<int> Watched()
    {
        lock (_gate) return _watched.ToHashSet();
    }

    internal void Publish(IReadOnlyDictionary<int, TreeUsage> trees, HostStats host)
    {
        _trees = trees;
        _host = host;
    }
}
