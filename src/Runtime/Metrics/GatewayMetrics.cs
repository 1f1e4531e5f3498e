using System.Collections.Concurrent;

namespace Pbm.Runtime.Metrics;

/// <summary>Gateway traffic of this host per app, fed by every gateway listener, read by GET /metrics.</summary>
public sealed class GatewayMetrics
{
    private readonly ConcurrentDictionary<string, GatewayStats> _apps = new(StringComparer.Ordinal);

    public void Record(string app, int status, TimeSpan elapsed) => For(app).Record(status, elapsed.TotalSeconds);

    /// <summary>The counters of <paramref name="app"/>; a route keeps them so a request does not look them up.</summary>
    internal GatewayStats For(string app) => _apps.GetOrAdd(app, _ => new GatewayStats());

    internal IEnumerable<(string App, GatewayStats Stats)> Apps =>
        _apps.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value));
}
