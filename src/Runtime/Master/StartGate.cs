using Akka.Actor;
using Pbm.Client.Contracts;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// Holds one start (--after, systemd's After=) until the apps it names have all their instances ready: a child of
/// the master that asks it (GetApp, answered by its hosts) every poll interval, one round at a time. It reports
/// <see cref="Ready"/> (the master then starts the app) or <see cref="GaveUp"/> (a named app is gone, stopped, or not
/// ready by pbm.start-order.timeout). At pbm.api.command-wait it answers the requester "in progress" itself, so every
/// request is answered in time; the start then goes on and answers nobody.
/// </summary>
internal sealed class StartGate : ReceiveActor, IWithTimers
{
    private readonly StartApp _start;
    private readonly IReadOnlyList<string> _after;
    private readonly TimeSpan _poll;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<string, string> _waiting = new(StringComparer.Ordinal);
    private IActorRef _replyTo;
    private int _asked;
    private int _answers;

    public StartGate(StartApp start, IActorRef replyTo, TimeSpan poll, TimeSpan timeout, TimeSpan answerBy)
    {
        _start = start;
        _replyTo = replyTo;
        _after = start.Spec.After ?? [];
        _poll = poll;
        _timeout = timeout;
        foreach (var app in _after) _waiting[app] = "not asked yet";

        Receive<Poll>(_ =>
        {
            _answers = 0;
            _asked = _waiting.Count;
            foreach (var app in _waiting.Keys.ToList()) Context.Parent.Tell(new GetApp(app));
            // Should an answer be lost, the next round comes anyway (each read answers within a few seconds).
            Timers.StartSingleTimer("poll", Poll.Instance, _poll + TimeSpan.FromSeconds(5));
        });
        Receive<AppInfo>(OnApp);
        Receive<Failed>(f => Give($"{f.Error}"));
        Receive<AnswerBy>(_ =>
        {
            _replyTo.Tell(new OperationResult($"{start.Spec.Name} waits for {string.Join(", ", _waiting.Keys)} to be ready " +
                                              $"({string.Join("; ", _waiting.Select(w => $"{w.Key}: {w.Value}"))}); it starts then (pbm list)", [])
                { InProgress = true });
            _replyTo = ActorRefs.Nobody;
        });
        Receive<Deadline>(_ => Give($"{start.Spec.Name} not started: {string.Join(", ", _waiting.Select(w => $"{w.Key} is not ready ({w.Value})"))} " +
                                    $"after {_timeout.TotalSeconds:0} s (--after; pbm.start-order.timeout)"));
        Timers.StartSingleTimer("deadline", Deadline.Instance, timeout);
        Timers.StartSingleTimer("answer", AnswerBy.Instance, answerBy);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(StartApp start, IActorRef replyTo, TimeSpan poll, TimeSpan timeout, TimeSpan answerBy) =>
        Akka.Actor.Props.Create(() => new StartGate(start, replyTo, poll, timeout, answerBy));

    protected override void PreStart() => Self.Tell(Poll.Instance);

    private void OnApp(AppInfo app)
    {
        var name = app.Spec.Name;
        if (!_waiting.ContainsKey(name)) return;
        _answers++;
        var online = app.Instances.Count(i => i.Status == InstanceStatus.Online);
        if (!app.Running)
        {
            Give($"{_start.Spec.Name} not started: it starts after {name}, which is stopped (pbm start {name} first)");
            return;
        }
        if (online >= app.Spec.Instances) _waiting.Remove(name);
        else _waiting[name] = $"{online}/{app.Spec.Instances} ready" +
                              (app.Instances.FirstOrDefault(i => i.Status == InstanceStatus.Errored) is { } e ? $", {e.Id} errored" : "");
        if (_waiting.Count == 0)
        {
            Context.Parent.Tell(new Ready(_start, _replyTo));
            Context.Stop(Self);
            return;
        }
        if (_answers >= _asked) Timers.StartSingleTimer("poll", Poll.Instance, _poll);
    }

    private void Give(string reason)
    {
        Context.Parent.Tell(new GaveUp(_start.Spec.Name, reason, _replyTo));
        Context.Stop(Self);
    }

    /// <summary>Every app named in --after is ready: start <paramref name="Start"/>, answering <paramref name="ReplyTo"/>.</summary>
    public sealed record Ready(StartApp Start, IActorRef ReplyTo);

    /// <summary>The start of <paramref name="App"/> will not happen: <paramref name="Reason"/>.</summary>
    public sealed record GaveUp(string App, string Reason, IActorRef ReplyTo);

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record AnswerBy
    {
        public static readonly AnswerBy Instance = new();
    }

    private sealed record Deadline
    {
        public static readonly Deadline Instance = new();
    }
}
