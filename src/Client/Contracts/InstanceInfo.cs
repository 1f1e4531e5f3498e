namespace Pbm.Client.Contracts;

/// <summary>One instance as <c>pbm list</c> shows it.</summary>
public sealed record InstanceInfo
{
    /// <summary>Stable id <c>app:N</c>.</summary>
    public required string Id { get; init; }
    public required string App { get; init; }
    public required int Index { get; init; }
    /// <summary>PM2's pm_id: a number unique in the cluster (pbm restart 3). Null from a daemon that predates it.</summary>
    public int? PmId { get; init; }
    public string Host { get; init; } = "";
    /// <summary>One of <see cref="InstanceStatus"/>.</summary>
    public required string Status { get; init; }
    public int? Pid { get; init; }
    /// <summary>When the current process started (null when none runs).</summary>
    public DateTimeOffset? StartedAt { get; init; }
    public int Restarts { get; init; }
    /// <summary>Unstable starts in a row so far (reset by a run longer than min-uptime).</summary>
    public int UnstableRestarts { get; init; }
    /// <summary>The last exit of a process of this instance, if any.</summary>
    public ExitInfo? LastExit { get; init; }
    /// <summary>Why the instance is errored or waiting, in words.</summary>
    public string? Reason { get; init; }
    /// <summary>When a waiting-restart instance starts again.</summary>
    public DateTimeOffset? NextStartAt { get; init; }
    public int Version { get; init; }
    /// <summary>The private port the instance listens on behind the gateway.</summary>
    public int? PrivatePort { get; init; }
    /// <summary>CPU of the instance's whole process tree over the last sample, in % of one core.</summary>
    public double? Cpu { get; init; }
    /// <summary>Resident memory of the instance's whole process tree, in bytes.</summary>
    public long? Memory { get; init; }
    /// <summary>Processes in the instance's tree (its session).</summary>
    public int? Processes { get; init; }
    /// <summary>Output lines that could not be written to the log files (full queue, unwritable folder).</summary>
    public long LogDropped { get; init; }
    /// <summary>Why the log files cannot be written, when they cannot.</summary>
    public string? LogError { get; init; }
    /// <summary>The last lifecycle events, oldest first.</summary>
    public IReadOnlyList<InstanceEvent> Events { get; init; } = [];
}
