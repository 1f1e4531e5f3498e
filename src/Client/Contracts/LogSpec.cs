namespace Pbm.Client.Contracts;

/// <summary>
/// How an app's output is captured. Null properties mean the daemon's HOCON default (pbm.logs.*). Setters, not init:
/// see <see cref="AppSpec"/>.
/// </summary>
public sealed record LogSpec
{
    /// <summary>Prefix every line with its time (ISO 8601, ms). Default true; --no-time turns it off.</summary>
    public bool Time { get; set; } = true;

    /// <summary>"text" (one line per line) or "json" (one JSON object per line). Default "text".</summary>
    public string Format { get; set; } = LogFormats.Text;

    /// <summary>A log file is rotated once it passes this many bytes. Default 10 MB.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>Files kept per stream, the current one included. Default 5.</summary>
    public int? MaxFiles { get; init; }

    /// <summary>
    /// stdout goes to this file (absolute) instead of PBM_HOME/logs/APP-N-out.log (PM2's out_file); "/dev/null": not
    /// written at all. Unless <see cref="Merge"/>, a name ending in .log gets the instance's pm_id as PM2 does (out-3.log).
    /// </summary>
    public string? OutFile { get; init; }

    /// <summary>stderr's file, as <see cref="OutFile"/> (PM2's error_file).</summary>
    public string? ErrFile { get; init; }

    /// <summary>Both streams are also written to this file (PM2's log_file): absolute, or a name in the daemon's log folder (--log alone: APP.log).</summary>
    public string? CombinedFile { get; init; }

    /// <summary>Instances share the files named above (PM2's merge_logs; PM2's default for a single fork-mode instance).</summary>
    public bool Merge { get; init; }

    /// <summary>Time of each text line in dayjs tokens (PM2's log_date_format: "YYYY-MM-DD HH:mm Z"), written "TIME: line" as PM2 does; null: ISO 8601.</summary>
    public string? DateFormat { get; init; }
}
