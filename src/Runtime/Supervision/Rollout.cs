using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// A rolling replacement of one app's instances on this host (reload, deploy, rollback, a watch's reload): a child
/// of the app's supervisor, which it drives batch by batch. For each batch of <c>parallel</c> instances it asks
/// the supervisor for new workers of the new spec (<see cref="Launch"/>: they are the supervisor's children, so that
/// once swapped in they are supervised by the app's restart policy), waits until each is online and then up
/// min-uptime, and asks the supervisor to swap them in and stop the old ones (<see cref="SwapIn"/>, answered
/// <see cref="Swapped"/>). A new worker that fails halts it (<see cref="CandidateFailed"/>): the old ones serve on.
/// It answers its requester with <see cref="HostRollout"/> once done or halted, and stops; its supervisor then
/// stops any new worker left. Stopped early (the app was removed, the host is shutting down), it answers so too.
/// Strategy: none (no children of its own).
/// </summary>
internal sealed class Rollout : ReceiveActor, IWithTimers
{
    private readonly AppSpec _spec;
    private readonly Queue<int> _pending;
    private readonly int _total;
    private readonly int _parallel;
    private readonly TimeSpan _minUptime;
    private readonly IActorRef _replyTo;
    private readonly string _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>The current batch: index → up min-uptime since online.</summary>
    private readonly Dictionary<int, bool> _batch = [];
    private int _replaced;
    private bool _answered;

    public Rollout(AppSpec spec, IReadOnlyList<int> indices, int parallel, TimeSpan minUptime, IActorRef replyTo, string node)
    {
        _spec = spec;
        _pending = new Queue<int>(indices);
        _total = indices.Count;
        _parallel = Math.Max(1, parallel);
        _minUptime = minUptime;
        _replyTo = replyTo;
        _node = node;

        Receive<CandidateUpdated>(m =>
        {
            // Ready and in the gateway: it must now stay up min-uptime before the old one goes.
            if (m.Status == InstanceStatus.Online && _batch.TryGetValue(m.Index, out var stable) && !stable)
                Timers.StartSingleTimer($"stable-{m.Index}", new Stable(m.Index), _minUptime);
        });
        Receive<Stable>(m =>
        {
            if (!_batch.ContainsKey(m.Index)) return;
            _batch[m.Index] = true;
            if (_batch.Values.All(s => s)) Context.Parent.Tell(new SwapIn(_batch.Keys.Order().ToList()));
        });
        Receive<Swapped>(m =>
        {
            _replaced += m.Count;
            _batch.Clear();
            NextBatch();
        });
        Receive<CandidateFailed>(m =>
        {
            if (_batch.ContainsKey(m.Index)) Finish(false, m.Reason);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AppSpec spec, IReadOnlyList<int> indices, int parallel, TimeSpan minUptime, IActorRef replyTo, string node) =>
        Akka.Actor.Props.Create(() => new Rollout(spec, indices, parallel, minUptime, replyTo, node));

    protected override void PreStart()
    {
        _log.Info("{0}: rolling out v{1} over {2} instances, {3} at a time", _spec.Name, _spec.Version, _total, _parallel);
        NextBatch();
    }

    protected override void PostStop()
    {
        if (!_answered) Answer(false, "stopped before it finished: the app was stopped or removed, or its host is shutting down");
    }

    private void NextBatch()
    {
        if (_pending.Count == 0)
        {
            Context.Parent.Tell(new Finished(_spec));
            Finish(true, null);
            return;
        }
        while (_batch.Count < _parallel && _pending.Count > 0) _batch[_pending.Dequeue()] = false;
        Context.Parent.Tell(new Launch(_batch.Keys.Order().ToList(), _spec));
    }

    private void Finish(bool completed, string? reason)
    {
        if (completed) _log.Info("{0}: rollout of v{1} done ({2} replaced)", _spec.Name, _spec.Version, _replaced);
        else _log.Warning("{0}: rollout of v{1} halted after {2} of {3}: {4}", _spec.Name, _spec.Version, _replaced, _total, reason);
        Answer(completed, reason);
        Context.Stop(Self);
    }

    private void Answer(bool completed, string? reason)
    {
        _answered = true;
        _replyTo.Tell(new HostRollout(_node, _spec.Name, completed, _replaced, _total, reason));
    }

    /// <summary>To the supervisor: start new workers of <paramref name="Spec"/> for these indices.</summary>
    public sealed record Launch(IReadOnlyList<int> Indices, AppSpec Spec);

    /// <summary>To the supervisor: these new workers are ready and stable; swap them in, stop the old ones, answer <see cref="Swapped"/>.</summary>
    public sealed record SwapIn(IReadOnlyList<int> Indices);

    /// <summary>To the supervisor: every instance runs <paramref name="Spec"/> now; it is the app's spec from now on.</summary>
    public sealed record Finished(AppSpec Spec);

    /// <summary>From the supervisor: <paramref name="Count"/> new workers are in, their old ones stopped.</summary>
    public sealed record Swapped(int Count);

    /// <summary>From the supervisor: the new worker of <paramref name="Index"/> reported <paramref name="Status"/>.</summary>
    public sealed record CandidateUpdated(int Index, string Status);

    /// <summary>From the supervisor: the new worker of <paramref name="Index"/> failed (exited, never got ready, stopped).</summary>
    public sealed record CandidateFailed(int Index, string Reason);

    private sealed record Stable(int Index);
}
