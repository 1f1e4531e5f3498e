namespace Pbm.Runtime.Gateway;

/// <summary>
/// An app's rule on a public port (path prefix, host) and its ready destinations. The destination list is an
/// immutable array swapped atomically, so the request path reads it without locks; round-robin is one
/// interlocked increment.
/// </summary>
public sealed class GatewayRoute(string app, string pathPrefix, string? host, bool sticky)
{
    private Destination[] _destinations = [];
    private int _next = -1;

    public string App { get; } = app;
    public string PathPrefix { get; } = pathPrefix;
    public string? Host { get; } = host;
    public bool Sticky { get; } = sticky;
    public IReadOnlyList<Destination> Destinations => Volatile.Read(ref _destinations);

    public bool Matches(string? host, string path) =>
        (Host is null || string.Equals(Host, host, StringComparison.OrdinalIgnoreCase)) &&
        (PathPrefix == "/" || path.Equals(PathPrefix, StringComparison.Ordinal) ||
         path.StartsWith(PathPrefix.EndsWith('/') ? PathPrefix : PathPrefix + "/", StringComparison.Ordinal));

    /// <summary>The next destination round-robin, skipping <paramref name="except"/>; null when none is ready.</summary>
    public Destination? Pick(Destination? except = null)
    {
        var list = Volatile.Read(ref _destinations);
        if (list.Length == 0) return null;
        for (var tries = 0; tries < list.Length; tries++)
        {
            var d = list[(int)((uint)Interlocked.Increment(ref _next) % (uint)list.Length)];
            if (!ReferenceEquals(d, except)) return d;
        }
        return null;
    }

    public Destination? Find(string instanceId) => Array.Find(Volatile.Read(ref _destinations), d => d.InstanceId == instanceId);

    internal void Add(Destination d)
    {
        lock (this) _destinations = [.. _destinations.Where(x => !x.SameAs(d)), d];
    }

    internal bool Remove(Destination d)
    {
        lock (this)
        {
            var before = _destinations.Length;
            _destinations = _destinations.Where(x => !ReferenceEquals(x, d)).ToArray();
            return _destinations.Length != before;
        }
    }

    /// <summary>
    /// Replaces the instances other hosts run (this host's own are kept): one already in rotation stays the same
    /// object, so its in-flight count and a retry's "except" go on meaning the same instance.
    /// </summary>
    /// <returns>The remote destinations taken out of rotation.</returns>
    internal IReadOnlyList<Destination> SetRemote(IReadOnlyList<Destination> remote)
    {
        lock (this)
        {
            var current = _destinations;
            var kept = remote.Select(r => Array.Find(current, c => c.IsRemote && c.SameAs(r)) ?? r).ToList();
            var removed = current.Where(c => c.IsRemote && !kept.Contains(c)).ToList();
            _destinations = [.. current.Where(c => !c.IsRemote), .. kept];
            return removed;
        }
    }
}
