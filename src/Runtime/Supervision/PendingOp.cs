using Akka.Actor;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// An operation of an AppSupervisor waiting on its workers: first for every stop or restart it asked for to be
/// confirmed (the worker's WorkerStopped, the worker's end, or the operation's deadline), then for its instances
/// to leave "launching" (each worker bounds that by its listen-timeout). <see cref="Complete"/> then runs once:
/// it answers <see cref="ReplyTo"/>, or moves a rollout on.
/// </summary>
internal sealed class PendingOp(long id, IActorRef? replyTo, Action complete)
{
    public long Id { get; } = id;

    /// <summary>Who waits for it (answered with an error should the supervisor stop first); none for an internal step.</summary>
    public IActorRef? ReplyTo { get; } = replyTo;

    public Action Complete { get; } = complete;

    /// <summary>Stop and restart requests sent to workers and not yet confirmed.</summary>
    public HashSet<long> Requests { get; } = [];

    /// <summary>Instances to see leave "launching" once every request is confirmed.</summary>
    public HashSet<int> Launching { get; set; } = [];
}
