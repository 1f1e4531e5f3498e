using System.Globalization;
using Pbm.Client.Contracts;

namespace Pbm.Client.Specs;

/// <summary>The words of pbm scale APP MIN..MAX, shared by the CLI (parsing) and the master (answers).</summary>
public static class Autoscaling
{
    /// <summary>"2..8" as (2, 8); null for anything else (N, +N, -N are counts).</summary>
    public static (int Min, int Max)? Range(string text)
    {
        var dots = text.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0) return null;
        return int.TryParse(text.AsSpan(0, dots), NumberStyles.None, CultureInfo.InvariantCulture, out var min) &&
               int.TryParse(text.AsSpan(dots + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            ? (min, max)
            : (-1, -1); // "a..b" that is not two numbers: the validator names it
    }

    /// <summary>"20 in flight per instance, cpu 70%, p90 100 ms; cool-down 30 s".</summary>
    public static string Describe(AutoscaleSpec p)
    {
        var targets = new List<string>();
        if (p.TargetConcurrency is { } c) targets.Add($"{N(c)} in flight per instance");
        if (p.TargetCpu is { } u) targets.Add($"cpu {N(u)}% per instance");
        if (p.TargetLatencyMs is { } l) targets.Add($"p90 {N(l)} ms");
        return $"{string.Join(", ", targets)}; cool-down {N(p.CooldownMs / 1000.0)} s";
    }

    private static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
