namespace Pbm.Runtime.Logs;

/// <summary>
/// What went wrong writing one instance's logs. Lives in the <see cref="LogHub"/>, not in the worker, so the count
/// survives the worker's restarts and the supervisor reads it without asking.
/// </summary>
internal sealed class LogStats
{
    private long _dropped;
    private volatile string? _error;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Why the files cannot be written (null once a write succeeds again).</summary>
    public string? Error => _error;

    public void Drop(long n = 1) => Interlocked.Add(ref _dropped, n);

    public void Failed(string error) => _error = error;

    public void Recovered() => _error = null;
}
