using System.Collections.Concurrent;

namespace Pbm.Runtime.Metrics;

/// <summary>Gateway traffic of this host per app, fed by every gateway listener, read by GET /metrics.</summary>
public sealed class GatewayMetrics
{
    private readonly ConcurrentDictionary<string, GatewayStats> _apps = new(StringComparer.Ordinal);

    public void Record(string app, int status, TimeSpan elapsed) =>
        _apps.GetOrAdd(app, _ => new GatewayStats()).Record(status, elapsed.TotalSeconds);

    internal IEnumerable<(string App, GatewayStats Stats)> Apps =>
        _apps.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value));
}
