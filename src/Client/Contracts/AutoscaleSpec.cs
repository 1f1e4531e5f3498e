namespace Pbm.Client.Contracts;

/// <summary>
/// pbm scale APP MIN..MAX --target-concurrency N | --target-cpu P% | --target-latency D: the master keeps the instance
/// count between <see cref="Min"/> and <see cref="Max"/> from what the gateways and the hosts measure. Each target
/// set asks for a count; the largest wins. A plain pbm scale APP N turns it off.
/// </summary>
public sealed record AutoscaleSpec
{
    public int Min { get; init; }
    public int Max { get; init; }

    /// <summary>Requests in flight per instance (the gateway's average over the sample, by Little's law). Null: not a target.</summary>
    public double? TargetConcurrency { get; init; }

    /// <summary>CPU per instance, in percent of one core (70: 0.7 core). Null: not a target.</summary>
    public double? TargetCpu { get; init; }

    /// <summary>The gateway's p90 latency of the app, in ms: above it one instance is added, under half of it one may go. Null: not a target.</summary>
    public double? TargetLatencyMs { get; init; }

    /// <summary>
    /// Scale-in waits until the count asked for has stayed lower for this long (and as long after the last change),
    /// so a dip does not remove instances a burst needs back; scale-out acts at once. Default 30 s.
    /// </summary>
    public int CooldownMs { get; set; } = 30_000; // set, not init: source-generated JSON would write 0 over the default when absent
}

/// <summary>One decision of the autoscaler, with the measures that made it.</summary>
public sealed record ScaleDecision(DateTimeOffset At, int From, int To, string Reason);

/// <summary>What the autoscaler of an app last measured and decided (pbm show, the console, /metrics).</summary>
public sealed record AutoscaleInfo
{
    /// <summary>Average requests in flight over the last sample, all gateways together.</summary>
    public double? Concurrency { get; init; }
    /// <summary>Average CPU per online instance, percent of one core.</summary>
    public double? CpuPercent { get; init; }
    /// <summary>p90 latency of the last sample's requests (ms), all gateways together; null with no request.</summary>
    public double? P90Ms { get; init; }
    /// <summary>The count the measures ask for now, before cool-down.</summary>
    public int? Wanted { get; init; }
    public DateTimeOffset? MeasuredAt { get; init; }
    /// <summary>Decisions that added instances since the master started (a counter for /metrics).</summary>
    public int ScaleOuts { get; init; }
    /// <summary>Decisions that removed instances since the master started.</summary>
    public int ScaleIns { get; init; }
    /// <summary>The latest decisions, oldest first (at most 20).</summary>
    public IReadOnlyList<ScaleDecision> Decisions { get; init; } = [];
}
