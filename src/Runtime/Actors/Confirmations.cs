using Akka.Actor;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Actors;

/// <summary>
/// One command's conversation (a child of whoever carries it out): sends each target its message, waits for every
/// answer (HostDone, HostFailed, or a rollout's HostRollout) and tells its parent the <see cref="Outcome"/>. The
/// master talks to the host agents so; a host agent to its app supervisors (its assignments, its shutdown).
/// An answer is known by the node and app it names, not by who sends it: a host agent hands the master's request
/// to the app's supervisor, which answers the master itself.
/// Should the targets still be busy after <c>wait</c> (pbm.api.command-wait: a long kill-timeout, a slow readiness
/// check, a rollout), it tells its parent so (<see cref="Busy"/>), which answers its requester "in progress"; the
/// conversation goes on, so what the parent does once the targets are done (undo a start that failed, adopt a
/// deployed version) still happens. A target that ends meanwhile (Terminated, or <see cref="Gather.Gone"/> when its
/// node is downed) counts as failed: every conversation ends.
/// Strategy: none (no children). It stops itself once it has told the outcome.
/// </summary>
internal sealed class Confirmations : ReceiveActor, IWithTimers
{
    private readonly long _id;
    private readonly IReadOnlyList<Send> _sends;
    private readonly TimeSpan _wait;
    /// <summary>The answers still due, by the node and app they name, with their target and how many.</summary>
    private readonly Dictionary<(string Node, string App), (Send Send, int Count)> _waiting = [];
    private readonly List<string> _failures = [];
    private int _replaced;
    private bool _late;

    public Confirmations(long id, IReadOnlyList<Send> sends, TimeSpan wait)
    {
        _id = id;
        _sends = sends;
        _wait = wait;

        Receive<HostDone>(d => Answered(d.Node, d.App, null));
        Receive<HostFailed>(f => Answered(f.Node, f.App, f.Error));
        Receive<HostRollout>(r =>
        {
            if (!_waiting.ContainsKey((r.Node, r.App))) return;
            _replaced += r.Replaced;
            Answered(r.Node, r.App, r.Completed ? null : r.Reason ?? $"the rollout on {r.Node} halted");
        });
        Receive<Terminated>(t => Ended(t.ActorRef));
        Receive<Gather.Gone>(g => Ended(g.Target));
        Receive<WaitOver>(_ =>
        {
            _late = true;
            Context.Parent.Tell(new Busy(_id, _waiting.Values.Select(w => w.Send.Name).Distinct().Order(StringComparer.Ordinal).ToList()));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(long id, IReadOnlyList<Send> sends, TimeSpan wait) =>
        Akka.Actor.Props.Create(() => new Confirmations(id, sends, wait));

    protected override void PreStart()
    {
        foreach (var send in _sends)
        {
            var key = (send.Node, send.App);
            _waiting[key] = (send, _waiting.TryGetValue(key, out var w) ? w.Count + 1 : 1);
            Context.Watch(send.Target);
            send.Target.Tell(send.Message, Self);
        }
        if (_waiting.Count == 0) Finish();
        else Timers.StartSingleTimer("wait", WaitOver.Instance, _wait);
    }

    private void Answered(string node, string app, string? failure)
    {
        if (!_waiting.TryGetValue((node, app), out var w)) return;
        if (failure is not null) _failures.Add(failure);
        if (w.Count > 1) _waiting[(node, app)] = w with { Count = w.Count - 1 };
        else _waiting.Remove((node, app));
        if (_waiting.Count == 0) Finish();
    }

    private void Ended(IActorRef target)
    {
        var gone = _waiting.Where(w => w.Value.Send.Target.Equals(target)).ToList();
        if (gone.Count == 0) return;
        foreach (var (key, w) in gone)
        {
            _waiting.Remove(key);
            _failures.Add($"{w.Send.Name} ended before it confirmed");
        }
        if (_waiting.Count == 0) Finish();
    }

    private void Finish()
    {
        Context.Parent.Tell(new Outcome(_id, _failures.Distinct().ToList(), _replaced, _late));
        Context.Stop(Self);
    }

    /// <summary>
    /// What to send to whom (a host agent, named "host NODE"; an app supervisor, "app NAME"), and the node and app
    /// its answer names.
    /// </summary>
    public sealed record Send(string Name, IActorRef Target, object Message, string Node, string App);

    /// <summary>Every target answered (or ended). <paramref name="Late"/>: after <see cref="Busy"/> was told.</summary>
    public sealed record Outcome(long Id, IReadOnlyList<string> Failures, int Replaced, bool Late);

    /// <summary>The wait is over and these targets are still at it.</summary>
    public sealed record Busy(long Id, IReadOnlyList<string> Waiting);

    private sealed record WaitOver
    {
        public static readonly WaitOver Instance = new();
    }
}
