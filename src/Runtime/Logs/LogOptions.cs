namespace Pbm.Runtime.Logs;

/// <summary>How one instance's output is written: an app's <see cref="Client.Contracts.LogSpec"/> with the HOCON defaults filled in.</summary>
internal sealed record LogOptions(bool Time, bool Json, long MaxBytes, int MaxFiles, int QueueSize, TimeSpan FullWait, TimeSpan RetryOpen)
{
    public static LogOptions Default { get; } = new(true, false, 10 << 20, 5, 65536, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));

    /// <summary>PM2's log_date_format, parsed; null: ISO 8601.</summary>
    public Client.Specs.DayjsFormat? DateFormat { get; init; }

    /// <summary>stdout's file (PM2's out_file), absolute or in the log folder; null: APP-N-out.log; "/dev/null": none.</summary>
    public string? OutFile { get; init; }

    public string? ErrFile { get; init; }

    /// <summary>A file both streams also go to (PM2's log_file).</summary>
    public string? CombinedFile { get; init; }

    /// <summary>Instances share the files above; else a name ending in .log gets -ID (PM2's pm_id) before it.</summary>
    public bool Merge { get; init; }

    /// <summary>The instance's number in file names (PM2's pm_id when the master gave one, else its index).</summary>
    public int? FileId { get; init; }
}
