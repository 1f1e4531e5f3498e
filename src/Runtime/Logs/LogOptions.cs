namespace Pbm.Runtime.Logs;

/// <summary>How one instance's output is written: an app's <see cref="Client.Contracts.LogSpec"/> with the HOCON defaults filled in.</summary>
internal sealed record LogOptions(bool Time, bool Json, long MaxBytes, int MaxFiles, int QueueSize, TimeSpan FullWait, TimeSpan RetryOpen)
{
    public static LogOptions Default { get; } = new(true, false, 10 << 20, 5, 65536, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
}
