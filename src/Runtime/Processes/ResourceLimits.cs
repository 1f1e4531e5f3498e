using Pbm.Client.Contracts;

namespace Pbm.Runtime.Processes;

/// <summary>The kernel limits of one app's instances (--memory-limit, --cpu-limit, --pids-limit), each null when not asked for.</summary>
internal sealed record ResourceLimits(long? MemoryBytes, double? Cpu, int? Pids)
{
    /// <summary>The spec's limits, or null when it asks for none.</summary>
    public static ResourceLimits? Of(AppSpec spec) =>
        spec.MemoryLimitBytes is null && spec.CpuLimit is null && spec.PidsLimit is null ? null
            : new ResourceLimits(spec.MemoryLimitBytes, spec.CpuLimit, spec.PidsLimit);

    /// <summary>The CFS period (µs) CPU quotas are expressed in: 100 ms, the kernel's default.</summary>
    public const long CpuPeriodUs = 100_000;

    /// <summary>The CPU quota (µs per <see cref="CpuPeriodUs"/>) for <paramref name="cores"/>, at least the kernel's 1 ms.</summary>
    public static long CpuQuotaUs(double cores) => Math.Max(1000, (long)Math.Round(cores * CpuPeriodUs));
}
