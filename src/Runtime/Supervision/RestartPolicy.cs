namespace Pbm.Runtime.Supervision;

/// <summary>An app's restart policy with every default filled in.</summary>
internal sealed record RestartPolicy(
    bool AutoRestart,
    TimeSpan MinUptime,
    int MaxRestarts,
    TimeSpan RestartDelay,
    TimeSpan BackoffMin,
    TimeSpan BackoffMax,
    IReadOnlyList<int> StopExitCodes)
{
    /// <summary>
    /// What to do after an instance's process ended. A run of at least min-uptime resets the unstable count and
    /// restarts after restart-delay only; a shorter run is unstable and backs off exponentially (min doubling to
    /// max, +-20% jitter); more than max-restarts unstable starts in a row errors the instance. Unlike PM2 the
    /// count never silently resets with time: only a stable run or `pbm restart` resets it.
    /// </summary>
    /// <param name="exitCode">The process's exit code; null when pbm stopped it (over --max-memory): stop exit codes do not apply.</param>
    public RestartDecision Decide(int unstableSoFar, int? exitCode, TimeSpan uptime, double jitter01)
    {
        if (!AutoRestart) return RestartDecision.Stop(exitCode is null ? "stopped for its memory; autorestart is off" : "exited; autorestart is off", unstableSoFar);
        if (exitCode is { } code && StopExitCodes.Contains(code)) return RestartDecision.Stop($"exited with code {code}, a stop exit code", unstableSoFar);
        if (uptime >= MinUptime) return RestartDecision.RestartAfter(RestartDelay, 0);

        var unstable = unstableSoFar + 1;
        if (unstable > MaxRestarts)
            return RestartDecision.Error(
                $"{unstable} unstable starts in a row (each ran under {MinUptime.TotalMilliseconds:0} ms); max-restarts is {MaxRestarts}",
                unstable);
        var backoff = BackoffMin.TotalMilliseconds * Math.Pow(2, Math.Min(unstable - 1, 30));
        backoff = Math.Min(backoff, BackoffMax.TotalMilliseconds);
        backoff *= 0.8 + 0.4 * jitter01;
        return RestartDecision.RestartAfter(RestartDelay + TimeSpan.FromMilliseconds(backoff), unstable);
    }
}
