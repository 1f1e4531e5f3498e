using Pbm.Client.Contracts;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// Thrown by a ProcessWorker when its process ends (or cannot start) without being asked to, or once it stopped it
/// for using more than --max-memory: the worker fails, and its AppSupervisor's strategy decides, by the app's
/// restart policy, whether and when it restarts. The strategy tells the restarted worker when to start
/// (<see cref="Messages.WorkerProtocol.Relaunch"/>): the exception carries facts only, never the decision.
/// </summary>
internal sealed class ProcessExitedException(int index, ExitInfo exit, bool startFailed = false, string workerId = "", int? pid = null, bool overMemory = false, bool unhealthy = false, bool oomKilled = false)
    : Exception(startFailed ? $"instance {index} could not start: {exit.Detail}" : $"instance {index} exited with code {exit.Code}")
{
    public int Index { get; } = index;
    /// <summary>Which worker failed: during a rolling reload two workers share an index.</summary>
    public string WorkerId { get; } = workerId;
    public ExitInfo Exit { get; } = exit;
    public bool StartFailed { get; } = startFailed;
    /// <summary>The process that ended (none when it could not be spawned at all).</summary>
    public int? Pid { get; } = pid;
    /// <summary>pbm stopped it, over --max-memory (<see cref="ExitInfo.Detail"/> says by how much): its exit code is not the app's choice.</summary>
    public bool OverMemory { get; } = overMemory;
    /// <summary>pbm stopped it after --health-failures failed health checks in a row (<see cref="ExitInfo.Detail"/> says which).</summary>
    public bool Unhealthy { get; } = unhealthy;
    /// <summary>The kernel's OOM killer ended it at its --memory-limit (<see cref="ExitInfo.Detail"/> says so first).</summary>
    public bool OomKilled { get; } = oomKilled;
}
