namespace Pbm.Client.Contracts;

/// <summary>How an app's output is captured. Null properties mean the daemon's HOCON default (pbm.logs.*).</summary>
public sealed record LogSpec
{
    /// <summary>Prefix every line with its time (ISO 8601, ms). Default true; --no-time turns it off.</summary>
    public bool Time { get; init; } = true;

    /// <summary>"text" (one line per line) or "json" (one JSON object per line). Default "text".</summary>
    public string Format { get; init; } = LogFormats.Text;

    /// <summary>A log file is rotated once it passes this many bytes. Default 10 MB.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>Files kept per stream, the current one included. Default 5.</summary>
    public int? MaxFiles { get; init; }
}
