using System.Text;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// An app's rule on a public port (path prefix, host) and its ready destinations. The destination list is an
/// immutable array swapped atomically, so the request path reads it without locks; round-robin is one
/// interlocked increment.
/// </summary>
public sealed class GatewayRoute
{
    private readonly byte[] _prefix;
    private readonly byte[] _prefixSlash;
    private readonly byte[]? _host;
    private Destination[] _destinations = [];
    private int _next = -1;

    public GatewayRoute(string app, string pathPrefix, string? host, bool sticky)
    {
        App = app;
        PathPrefix = pathPrefix;
        Host = host;
        Sticky = sticky;
        _prefix = Encoding.UTF8.GetBytes(pathPrefix);
        _prefixSlash = Encoding.UTF8.GetBytes(pathPrefix.EndsWith('/') ? pathPrefix : pathPrefix + "/");
        _host = host is null ? null : Encoding.UTF8.GetBytes(host);
    }

    public string App { get; }
    public string PathPrefix { get; }
    public string? Host { get; }
    public bool Sticky { get; }
    public IReadOnlyList<Destination> Destinations => Volatile.Read(ref _destinations);

    /// <summary>This app's request counters (set when the route joins a listener).</summary>
    internal Metrics.GatewayStats Stats { get; set; } = null!;

    /// <summary>Any host, any path: with one such route on a port there is nothing to match.</summary>
    internal bool MatchesEverything => _host is null && PathPrefix == "/";

    public bool Matches(string? host, string path) =>
        Matches(host is null ? default : Encoding.UTF8.GetBytes(host), Encoding.UTF8.GetBytes(path));

    /// <summary>The host (without port) equals the route's, ignoring case, and the path is the prefix or under it.</summary>
    internal bool Matches(ReadOnlySpan<byte> host, ReadOnlySpan<byte> path) =>
        (_host is null || Ascii.EqualsIgnoreCase(_host, host)) &&
        (PathPrefix == "/" || path.SequenceEqual(_prefix) || path.StartsWith(_prefixSlash));

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

    internal Destination? Find(ReadOnlySpan<byte> instanceId)
    {
        foreach (var d in Volatile.Read(ref _destinations))
            if (d.InstanceIdBytes.AsSpan().SequenceEqual(instanceId)) return d;
        return null;
    }

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
