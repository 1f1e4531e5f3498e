using Akka.Actor;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Messages;

/// <summary>Messages between an AppSupervisor and its ProcessWorkers (local only).</summary>
public static class WorkerProtocol
{
    /// <summary>
    /// Stop the process gracefully (kill signal, SIGKILL after kill-timeout); answered with <see cref="WorkerStopped"/>
    /// naming <paramref name="Request"/> (0: nobody waits).
    /// </summary>
    public sealed record Stop(long Request = 0);

    /// <summary>Start the process of a stopped worker.</summary>
    public sealed record Start
    {
        public static readonly Start Instance = new();
    }

    /// <summary>Stop gracefully, then start again; answered with <see cref="WorkerStopped"/> once the old process is gone.</summary>
    public sealed record Restart(long Request = 0);

    /// <summary>The answer to <see cref="Stop"/> and <see cref="Restart"/>.</summary>
    public sealed record WorkerStopped(int Index, long Request);

    /// <summary>
    /// To a worker the supervisor's strategy has just restarted (its process ended): start the process after
    /// <paramref name="Delay"/>, the restart policy's backoff. Sent by the strategy as it decides.
    /// </summary>
    public sealed record Relaunch(TimeSpan Delay);

    /// <summary>Send a signal to the instance's process (only the process: PM2's sendSignal), if one runs.</summary>
    public sealed record SendSignal(string Signal);

    /// <summary>Take the instance out of the gateway and stop supervising it, leaving it running for inspection.</summary>
    public sealed record Disconnect
    {
        public static readonly Disconnect Instance = new();
    }

    /// <summary>Internal: the readiness probe finished (Reason null: ready).</summary>
    internal sealed record ReadyResult(int Pid, string? Reason);

    /// <summary>Internal: in-flight requests drained (or kill-timeout passed); now signal the process.</summary>
    internal sealed record Drained(int Pid);

    /// <summary>A worker's view of its instance changed (status, pid): the supervisor keeps the latest.</summary>
    public sealed record InstanceUpdated(int Index, string Status, int? Pid, DateTimeOffset? StartedAt, DateTimeOffset? NextStartAt, IActorRef Worker, int? PrivatePort = null, int Version = 0);

    /// <summary>
    /// The instance's process tree used more memory than --max-memory: the worker stops it gracefully and then fails,
    /// so that its supervisor's restart policy decides what follows; this tells the supervisor why (for the record).
    /// </summary>
    public sealed record MemoryExceeded(int Index, long Rss, long Limit, IActorRef Worker);

    /// <summary>Internal, from the health probe: a check failed (<paramref name="InARow"/> of <paramref name="Limit"/>); the instance leaves the rotation.</summary>
    internal sealed record HealthFailing(string Failure, int InARow, int Limit);

    /// <summary>Internal, from the health probe: a check passed after failures; the instance is back in rotation.</summary>
    internal sealed record HealthRecovered
    {
        public static readonly HealthRecovered Instance = new();
    }

    /// <summary>Internal, from the health probe: the failures in a row reached --health-failures; stop the instance and fail.</summary>
    internal sealed record HealthFailed(string Reason);

    /// <summary>
    /// To the supervisor: the instance's health changed. <paramref name="Reason"/> is why it is unhealthy (null: healthy
    /// again); <paramref name="Event"/> the line for its record.
    /// </summary>
    public sealed record HealthChanged(int Index, IActorRef Worker, string? Reason, string Event);

    /// <summary>Internal: the delay before a (re)start is over.</summary>
    internal sealed record Launch(int Generation);

    /// <summary>Internal: the process exited (its output read to the end).</summary>
    /// <param name="OomKilled">The kernel's OOM killer ended a process of its cgroup (--memory-limit), with the limit.</param>
    internal sealed record ProcessExited(int Pid, int Code, long? OomKilled = null);

    /// <summary>Internal: kill-timeout passed while stopping.</summary>
    internal sealed record StopTimedOut(int Pid);

    /// <summary>Helper for supervisors: an exit as the user sees it.</summary>
    internal static ExitInfo ExitOf(int code, DateTimeOffset startedAt, string? detail)
    {
        var now = DateTimeOffset.UtcNow;
        var signal = code > 128 ? Client.Specs.Signals.NameOf(code - 128) : null;
        return new ExitInfo(code, signal, now, (long)(now - startedAt).TotalMilliseconds, detail);
    }
}
