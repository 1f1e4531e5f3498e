using Pbm.Client.Contracts;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// Thrown by a ProcessWorker when its process ends (or cannot start) without being asked to: the worker fails,
/// and its AppSupervisor's strategy decides, by the app's restart policy, whether and when it restarts.
/// The strategy writes its decision into <see cref="NextStartDelay"/>; the restarted worker reads it in
/// PostRestart, so the delay travels with the failure and no state is shared between the two actors.
/// </summary>
internal sealed class ProcessExitedException(int index, ExitInfo exit, bool startFailed = false, string workerId = "", int? pid = null)
    : Exception(startFailed ? $"instance {index} could not start: {exit.Detail}" : $"instance {index} exited with code {exit.Code}")
{
    public int Index { get; } = index;
    /// <summary>Which worker failed: during a rolling reload two workers share an index.</summary>
    public string WorkerId { get; } = workerId;
    public ExitInfo Exit { get; } = exit;
    public bool StartFailed { get; } = startFailed;
    /// <summary>The process that ended (none when it could not be spawned at all).</summary>
    public int? Pid { get; } = pid;
    public TimeSpan NextStartDelay { get; set; }
}
