namespace Pbm.Runtime.Metrics;

/// <summary>
/// One app's gateway traffic on this host: requests by status code and a latency histogram (seconds, the
/// buckets Prometheus client libraries use by default). Recording takes a lock per app: it is a handful of
/// increments, far cheaper than the proxying around it.
/// </summary>
internal sealed class GatewayStats
{
    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly object _gate = new();
    private readonly Dictionary<int, long> _byCode = [];
    private readonly long[] _buckets = new long[Buckets.Length];
    private double _sum;
    private long _count;

    public void Record(int status, double seconds)
    {
        lock (_gate)
        {
            _byCode[status] = _byCode.GetValueOrDefault(status) + 1;
            for (var i = 0; i < Buckets.Length; i++)
                if (seconds <= Buckets[i]) _buckets[i]++;
            _sum += seconds;
            _count++;
        }
    }

    /// <summary>A consistent copy: counts by code, cumulative bucket counts, sum and count.</summary>
    public (IReadOnlyDictionary<int, long> ByCode, long[] Buckets, double Sum, long Count) Snapshot()
    {
        lock (_gate) return (new Dictionary<int, long>(_byCode), (long[])_buckets.Clone(), _sum, _count);
    }
}
