namespace Pbm.Client.Contracts;

/// <summary>
/// Restart policy of an app. Null properties mean "the daemon's HOCON default" (pbm.restart.*).
/// Setters, not init, where there is a default: see <see cref="AppSpec"/>.
/// </summary>
public sealed record RestartPolicySpec
{
    /// <summary>Restart instances when they exit. Default true.</summary>
    public bool AutoRestart { get; set; } = true;

    /// <summary>An instance that ran at least this long (ms) is restarted at once. Default 1000.</summary>
    public int? MinUptimeMs { get; init; }

    /// <summary>Unstable starts in a row (each shorter than min-uptime) before the instance is errored. Default 16.</summary>
    public int? MaxRestarts { get; init; }

    /// <summary>Fixed delay (ms) before every restart; the backoff applies on top for unstable starts. Default 0.</summary>
    public int? RestartDelayMs { get; init; }

    /// <summary>Exit codes that mean "done, do not restart".</summary>
    public IReadOnlyList<int> StopExitCodes { get; set; } = [];
}
