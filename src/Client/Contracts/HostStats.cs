namespace Pbm.Client.Contracts;

/// <summary>A host's load, sampled from /proc every second.</summary>
public sealed record HostStats
{
    public required string Node { get; init; }
    /// <summary>CPU busy over the last sample, in % of the whole machine (all cores).</summary>
    public double Cpu { get; init; }
    public int Cores { get; init; }
    public long MemoryTotal { get; init; }
    public long MemoryAvailable { get; init; }
    public double Load1 { get; init; }
    public double Load5 { get; init; }
    public double Load15 { get; init; }
}
