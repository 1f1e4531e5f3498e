using Akka.Actor;

namespace Pbm.Runtime.Actors;

/// <summary>
/// Asks several actors one question each and answers once, with what came back: when every one answered, when the
/// time is up, or when each still silent one is known to be gone (<see cref="Gone"/>, or its Terminated), whichever
/// comes first. The answer is made by <c>answer</c>, a pure function of the replies: it runs here, on this actor's
/// thread, and reads nothing but its argument (its caller gives it snapshots, never its own fields). A failure of
/// it is answered too, as an error. Every read that spans the hosts goes through one (pbm list, show, hosts, the
/// instances after a command), and a host agent's read over its app supervisors.
/// Strategy: none (no children). It stops itself once it has answered.
/// </summary>
internal sealed class Gather : ReceiveActor, IWithTimers
{
    private readonly IReadOnlyList<IActorRef> _targets;
    private readonly object _question;
    private readonly TimeSpan _timeout;
    private readonly Func<IReadOnlyList<object>, object> _answer;
    private readonly IActorRef _replyTo;
    private readonly HashSet<IActorRef> _waiting = [];
    private readonly List<object> _replies = [];
    private bool _answered;

    public Gather(IReadOnlyList<IActorRef> targets, object question, TimeSpan timeout, Func<IReadOnlyList<object>, object> answer, IActorRef replyTo)
    {
        _targets = targets;
        _question = question;
        _timeout = timeout;
        _answer = answer;
        _replyTo = replyTo;

        Receive<TimeUp>(_ => Finish());
        Receive<Gone>(g => Forget(g.Target));
        Receive<Terminated>(t => Forget(t.ActorRef));
        ReceiveAny(reply =>
        {
            if (!_waiting.Remove(Sender)) return;
            _replies.Add(reply);
            if (_waiting.Count == 0) Finish();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<IActorRef> targets, object question, TimeSpan timeout, Func<IReadOnlyList<object>, object> answer, IActorRef replyTo) =>
        Akka.Actor.Props.Create(() => new Gather(targets, question, timeout, answer, replyTo));

    protected override void PreStart()
    {
        foreach (var target in _targets.Distinct())
        {
            _waiting.Add(target);
            Context.Watch(target);
            target.Tell(_question, Self);
        }
        if (_waiting.Count == 0) Finish();
        else Timers.StartSingleTimer("time-up", TimeUp.Instance, _timeout);
    }

    private void Forget(IActorRef target)
    {
        if (_waiting.Remove(target) && _waiting.Count == 0) Finish();
    }

    private void Finish()
    {
        if (_answered) return;
        _answered = true;
        object answer;
        try
        {
            answer = _answer(_replies);
        }
        catch (Exception e)
        {
            answer = new Messages.MasterProtocol.Failed($"could not put the answer together: {e.Message}", 500);
        }
        // On behalf of its parent: the one that was asked (a host agent's gather answers the master's as the agent).
        _replyTo.Tell(answer, Context.Parent);
        Context.Stop(Self);
    }

    /// <summary>Stop waiting for <paramref name="Target"/>: it is known to be gone (its node was downed).</summary>
    public sealed record Gone(IActorRef Target);

    private sealed record TimeUp
    {
        public static readonly TimeUp Instance = new();
    }
}
