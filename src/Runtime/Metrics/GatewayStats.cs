using System.Diagnostics;

namespace Pbm.Runtime.Metrics;

/// <summary>
/// One app's gateway traffic on this host: requests by status code and a latency histogram (seconds, the
/// buckets Prometheus client libraries use by default). Recording is a few interlocked increments, no lock and no
/// allocation: it runs once per proxied request. A snapshot read while requests are recorded may be off by the
/// requests in progress, as with any Prometheus client.
/// </summary>
internal sealed class GatewayStats
{
    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly long[] BucketTicks = Buckets.Select(b => (long)(b * Stopwatch.Frequency)).ToArray();

    private readonly long[] _byCode = new long[600];
    /// <summary>Requests per bucket, not cumulative; the last one is above every bound.</summary>
    private readonly long[] _buckets = new long[Buckets.Length + 1];
    private long _sumTicks;

    public void Record(int status, double seconds) => Record(status, (long)(seconds * Stopwatch.Frequency));

    /// <summary>One request: its status code and its duration in <see cref="Stopwatch"/> ticks.</summary>
    public void Record(int status, long ticks)
    {
        Interlocked.Increment(ref _byCode[(uint)status < 600 ? status : 0]);
        var b = 0;
        while (b < BucketTicks.Length && ticks > BucketTicks[b]) b++;
        Interlocked.Increment(ref _buckets[b]);
        Interlocked.Add(ref _sumTicks, ticks);
    }

    /// <summary>A copy: counts by code, cumulative bucket counts, sum and count.</summary>
    public (IReadOnlyDictionary<int, long> ByCode, long[] Buckets, double Sum, long Count) Snapshot()
    {
        var byCode = new Dictionary<int, long>();
        for (var code = 0; code < _byCode.Length; code++)
            if (Volatile.Read(ref _byCode[code]) is > 0 and var n) byCode[code] = n;
        var cumulative = new long[Buckets.Length];
        long count = 0;
        for (var b = 0; b <= Buckets.Length; b++)
        {
            count += Volatile.Read(ref _buckets[b]);
            if (b < Buckets.Length) cumulative[b] = count;
        }
        return (byCode, cumulative, (double)Volatile.Read(ref _sumTicks) / Stopwatch.Frequency, count);
    }
}
