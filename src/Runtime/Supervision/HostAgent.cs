using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Actors;
using Pbm.Runtime.Config;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Processes;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// One per host: runs what the master assigns to this host, one AppSupervisor per app. It registers with
/// the master (through the singleton proxy) until acknowledged, and again whenever the master's
/// incarnation changes, so a new master learns of every host and re-sends its assignments.
/// It forwards the master's requests to the app's supervisor, which answers the master itself; it waits on
/// nothing but an app's gateway port being opened (its result comes back as a message). Reads over its apps
/// are a <see cref="Gather"/>, its assignments and its shutdown a <see cref="Confirmations"/>.
/// Strategy: an AppSupervisor that throws is resumed, never restarted, because a restart would stop every
/// instance of the app for a bug in bookkeeping; one that cannot be created is stopped and its app errored here.
/// </summary>
internal sealed class HostAgent : ReceiveActor, IWithTimers
{
    private readonly PbmSettings _settings;
    private readonly IActorRef _master;
    private readonly PidRegistry _pids;
    private readonly TreeTracking _trees;
    private readonly PbmGateway? _gateway;
    private readonly Logs.LogHub _logs;
    private readonly Metrics.MetricsBoard _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _apps = [];
    /// <summary>Supervisors of removed apps still stopping their instances: the daemon's shutdown waits for them too.</summary>
    private readonly Dictionary<IActorRef, string> _removing = [];
    private readonly Dictionary<string, (IActorRef Actor, int Version)> _triggers = [];
    private readonly ErroredApps _errored = new();
    /// <summary>Who waits for each conversation with the supervisors (assignments, shutdown), and what to answer.</summary>
    private readonly Dictionary<long, (IActorRef ReplyTo, Func<Confirmations.Outcome, object> Answer)> _conversations = [];
    private long _lastId;

    public HostAgent(PbmSettings settings, PbmPaths paths, IActorRef master, Logs.LogHub logs, Metrics.MetricsBoard metrics, TreeTracking trees, PbmGateway? gateway)
    {
        _trees = trees;
        _gateway = gateway;
        _logs = logs;
        _metrics = metrics;
        _settings = settings;
        _master = master;
        _pids = new PidRegistry(paths.Home.PidDir);
        Running();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private string Node => _settings.NodeName;

    public static Props Props(PbmSettings settings, PbmPaths paths, IActorRef master, Logs.LogHub logs, Metrics.MetricsBoard metrics, TreeTracking trees, PbmGateway? gateway = null) =>
        Akka.Actor.Props.Create(() => new HostAgent(settings, paths, master, logs, metrics, trees, gateway));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(e =>
        {
            // A child that could not even be created: Akka would turn Resume into a re-create, in a loop (see ErroredApps).
            if (e is ActorInitializationException init)
            {
                var app = _apps.FirstOrDefault(a => a.Value.Equals(init.Actor)).Key;
                _log.Error(e, "{0} could not start; stopped{1}", init.Actor?.Path.Name ?? "a child", app is null ? "" : $", {app} is errored on this host");
                if (app is not null)
                {
                    _apps.Remove(app);
                    StopTriggers(app);
                    _gateway?.RemoveRouteAsync(app);
                    // The start that created it waits for an answer (its Apply went down with the actor): the reason.
                    if (_errored.Failed(app, e) is var (replyTo, reason)) replyTo.Tell(new HostFailed(Node, app, reason));
                }
                return Directive.Stop;
            }
            _log.Error(e, "app supervisor failed; resuming it");
            return Directive.Resume;
        });

    protected override void PreStart()
    {
        Context.ActorOf(Metrics.MetricsSampler.Props(_metrics, _trees, Node, _settings.MetricsInterval), "metrics");
        Self.Tell(RegisterTick.Instance);
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// A request of the master whose handling throws is answered with the error; this actor serves on (restarting it
    /// would stop every instance of every app of the host).
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e) when (message is IPbmMessage)
        {
            _log.Error(e, "{0} failed", message.GetType().Name);
            Sender.Tell(new HostFailed(Node, AppOf(message), $"{message.GetType().Name} failed on {Node}: {e.Message}"));
            return true;
        }
    }

    private void Running()
    {
        // Keep announcing every second (it costs one small message): a master that moved to another node learns
        // of this host within a second of being up, and re-sends its assignments.
        Receive<RegisterTick>(_ => _master.Tell(new RegisterHost(Node, Self)));
        Receive<HostRegistered>(_ => { });
        Receive<HostAssignments>(OnAssignments);
        Receive<ApplyApp>(OnApply);
        Receive<RouteOpened>(OnRouteOpened);
        Receive<RemoveApp>(OnRemove);
        Receive<InstanceOp>(OnInstanceOp);
        Receive<ListInstances>(OnList);
        Receive<ReloadApp>(OnReload);
        Receive<GetHostReport>(_ => OnHostReport());
        Receive<StopAllLocal>(_ => OnStopAll());
        Receive<Terminated>(t => _removing.Remove(t.ActorRef));
        ReceiveConversations();
    }

    /// <summary>
    /// Stopping every instance (the daemon shuts down): new work is refused, with words, until the actor system
    /// stops; reads still answer (with nothing).
    /// </summary>
    private void ShuttingDown()
    {
        Receive<RegisterTick>(_ => { });
        Receive<HostRegistered>(_ => { });
        Receive<HostAssignments>(_ => Sender.Tell(new HostFailed(Node, "*", $"host {Node} is shutting down")));
        Receive<ApplyApp>(m => Sender.Tell(new HostFailed(Node, m.Spec.Name, $"host {Node} is shutting down")));
        Receive<RouteOpened>(m => m.ReplyTo.Tell(new HostFailed(Node, m.Apply.Spec.Name, $"host {Node} is shutting down")));
        Receive<RemoveApp>(m => Sender.Tell(new HostDone(Node, m.App)));
        Receive<InstanceOp>(m => Sender.Tell(new HostFailed(Node, m.App, $"host {Node} is shutting down")));
        Receive<ReloadApp>(m => Sender.Tell(new HostRollout(Node, m.Spec.Name, false, 0, 0, $"host {Node} is shutting down")));
        Receive<ListInstances>(_ => Sender.Tell(new HostInstances(Node, [], _metrics.Host)));
        Receive<GetHostReport>(_ => OnHostReport());
        Receive<StopAllLocal>(_ => Sender.Tell(Done.Instance));
        Receive<Terminated>(t => _removing.Remove(t.ActorRef));
        ReceiveConversations();
    }

    private void ReceiveConversations()
    {
        Receive<Confirmations.Outcome>(o =>
        {
            if (_conversations.Remove(o.Id, out var c)) c.ReplyTo.Tell(c.Answer(o));
        });
        // The master waits for this host with its own command-wait; this host just goes on waiting for its apps.
        Receive<Confirmations.Busy>(_ => { });
    }

    private void Converse(IReadOnlyList<Confirmations.Send> sends, IActorRef replyTo, Func<Confirmations.Outcome, object> answer)
    {
        var id = ++_lastId;
        _conversations[id] = (replyTo, answer);
        Context.ActorOf(Confirmations.Props(id, sends, _settings.CommandWait), $"conversation-{id}");
    }

    /// <summary>
    /// Reconciliation: run exactly what the master assigns here; stop apps no longer assigned. Each assignment is
    /// applied as an ordinary <see cref="ApplyApp"/> of this actor's, whose answer goes to the conversation.
    /// </summary>
    private void OnAssignments(HostAssignments m)
    {
        var wanted = m.Apps.Select(a => a.Spec.Name).ToHashSet();
        _errored.KeepOnly(wanted);
        var sends = new List<Confirmations.Send>();
        foreach (var (name, supervisor) in _apps.Where(a => !wanted.Contains(a.Key)).ToList())
        {
            _log.Info("{0} is no longer assigned to this host; stopping it", name);
            Removing(name, supervisor);
            StopTriggers(name);
            _gateway?.RemoveRouteAsync(name);
            sends.Add(new Confirmations.Send($"app {name}", supervisor, SupervisorProtocol.Shutdown.Instance, Node, name));
        }
        sends.AddRange(m.Apps.Select(apply => new Confirmations.Send($"app {apply.Spec.Name}", Self, apply, Node, apply.Spec.Name)));
        var node = Node;
        Converse(sends, Sender, o => o.Failures.Count == 0 ? new HostDone(node, "*") : new HostFailed(node, "*", string.Join("; ", o.Failures)));
    }

    private void OnApply(ApplyApp m)
    {
        _errored.Assigned(m.Spec, m.Indices);
        if (!_apps.TryGetValue(m.Spec.Name, out var supervisor) && m.Indices.Count == 0)
        {
            Sender.Tell(new HostDone(Node, m.Spec.Name));
            return;
        }
        if (supervisor is null)
        {
            supervisor = Context.ActorOf(AppSupervisor.Props(m.Spec, _settings, _logs, _metrics, _pids, _trees, Node, _gateway),
                "app-" + Uri.EscapeDataString(m.Spec.Name) + "-" + Guid.NewGuid().ToString("N")[..6]);
            _apps[m.Spec.Name] = supervisor;
            _errored.Creating(m.Spec.Name, Sender);
        }
        UpdateTriggers(m.Spec, m.Running && m.Indices.Count > 0, supervisor);
        if (m.Spec.Port is not { } port || _gateway is null)
        {
            supervisor.Forward(new SupervisorProtocol.Apply(m.Spec, m.Indices, m.Running));
            return;
        }
        // The public port is bound before any instance starts: a port in use fails the start, loudly.
        var spec = m.Spec;
        var replyTo = Sender;
        _gateway.EnsureRouteAsync(spec.Name, port, spec.Route, spec.RouteHost, spec.Sticky)
            .PipeTo(Self, replyTo, () => new RouteOpened(m, supervisor, replyTo, null), e => new RouteOpened(m, supervisor, replyTo, MessageOf(e)));
    }

    /// <summary>The words of a failed task's exception (its own, not those of what it wraps: "cannot listen on port 80: ...").</summary>
    private static string MessageOf(Exception e) => e is AggregateException a ? a.Flatten().InnerExceptions[0].Message : e.Message;

    private void OnRouteOpened(RouteOpened m)
    {
        var app = m.Apply.Spec.Name;
        if (m.Error is not null)
        {
            m.ReplyTo.Tell(new HostFailed(Node, app, m.Error));
            return;
        }
        // Removed (or replaced) while the port opened: nothing left to apply here.
        if (!_apps.TryGetValue(app, out var current) || !current.Equals(m.Supervisor))
        {
            m.ReplyTo.Tell(new HostDone(Node, app));
            return;
        }
        m.Supervisor.Tell(new SupervisorProtocol.Apply(m.Apply.Spec, m.Apply.Indices, m.Apply.Running), m.ReplyTo);
    }

    private void OnHostReport()
    {
        var node = Node;
        var address = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        var host = _metrics.Host;
        Context.ActorOf(Gather.Props(_apps.Values.ToList(), SupervisorProtocol.GetInstances.Instance, SupervisorWait, replies =>
        {
            var all = Instances(replies);
            return new HostReport(new HostInfo(node, address, all.Count, all.Count(i => i.Status == InstanceStatus.Online),
                host?.Load1 ?? 0, host?.MemoryTotal ?? 0, host?.MemoryAvailable ?? 0, host?.Cores ?? Environment.ProcessorCount));
        }, Sender));
    }

    private void OnList(ListInstances m)
    {
        var node = Node;
        var stats = _metrics.Host;
        var targets = m.App is null ? _apps.Values.ToList() : _apps.TryGetValue(m.App, out var one) ? [one] : [];
        var errored = _errored.Instances(m.App, node);
        var gateway = m.WithLoad ? _gateway?.Metrics : null;
        Context.ActorOf(Gather.Props(targets, SupervisorProtocol.GetInstances.Instance, SupervisorWait,
            replies => new HostInstances(node, [.. Instances(replies), .. errored], stats) { Load = gateway is null ? null : Load(gateway) }, Sender));
    }

    /// <summary>The gateway's counters of every app it served (thread-safe reads: the gateway records as it goes).</summary>
    private static List<GatewayLoad> Load(Metrics.GatewayMetrics gateway)
    {
        var at = Environment.TickCount64;
        return gateway.Apps.Select(a =>
        {
            var (_, buckets, sum, count) = a.Stats.Snapshot();
            return new GatewayLoad(a.App, at, count, sum, buckets);
        }).ToList();
    }

    private static List<InstanceInfo> Instances(IReadOnlyList<object> replies) =>
        replies.OfType<SupervisorProtocol.Instances>().SelectMany(i => i.List).ToList();

    /// <summary>An app supervisor answers a read at once; half the master's wait for this host leaves room for the way back.</summary>
    private TimeSpan SupervisorWait => _settings.ListWait / 2;

    /// <summary>The app's watch and cron schedule run while it should run here; a new spec version gets new ones.</summary>
    private void UpdateTriggers(AppSpec spec, bool running, IActorRef supervisor)
    {
        var wanted = running && (spec.Watch is { Count: > 0 } || spec.CronRestart is not null);
        if (_triggers.TryGetValue(spec.Name, out var current))
        {
            if (wanted && current.Version == spec.Version) return;
            StopTriggers(spec.Name);
        }
        if (!wanted) return;
        var actor = Context.ActorOf(Triggers.AppTriggers.Props(spec, supervisor, _settings),
            "triggers-" + Uri.EscapeDataString(spec.Name) + "-" + Guid.NewGuid().ToString("N")[..6]);
        _triggers[spec.Name] = (actor, spec.Version);
    }

    private void StopTriggers(string app)
    {
        if (_triggers.Remove(app, out var t)) Context.Stop(t.Actor);
    }

    private void OnReload(ReloadApp m)
    {
        if (!_apps.TryGetValue(m.Spec.Name, out var supervisor))
        {
            Sender.Tell(new HostRollout(Node, m.Spec.Name, true, 0, 0, null));
            return;
        }
        supervisor.Forward(new SupervisorProtocol.Reload(m.Spec, m.Parallel));
    }

    private void OnRemove(RemoveApp m)
    {
        _errored.Forget(m.App);
        if (!_apps.TryGetValue(m.App, out var supervisor))
        {
            Sender.Tell(new HostDone(Node, m.App));
            return;
        }
        Removing(m.App, supervisor);
        StopTriggers(m.App);
        supervisor.Forward(SupervisorProtocol.Shutdown.Instance);
        _gateway?.RemoveRouteAsync(m.App);
    }

    private void OnInstanceOp(InstanceOp m)
    {
        if (!_apps.TryGetValue(m.App, out var supervisor))
        {
            Sender.Tell(new HostDone(Node, m.App));
            return;
        }
        object message = m.Op switch
        {
            "stop" => new SupervisorProtocol.StopInstances(m.Indices),
            "start" => new SupervisorProtocol.StartInstances(m.Indices),
            "disconnect" when m.Indices is [var index] => new SupervisorProtocol.DisconnectInstance(index),
            "reset" => new SupervisorProtocol.ResetInstances(m.Indices),
            "signal" => new SupervisorProtocol.SignalInstances(m.Indices, m.Signal ?? "SIGTERM"),
            _ => new SupervisorProtocol.RestartInstances(m.Indices),
        };
        supervisor.Forward(message);
    }

    private void Removing(string app, IActorRef supervisor)
    {
        _apps.Remove(app);
        _removing[supervisor] = app;
        Context.Watch(supervisor);
    }

    /// <summary>
    /// Daemon shutdown: every app's supervisor stops its instances gracefully (each bounded by its kill-timeout)
    /// and then itself; answered once all did, those of apps just removed (`pbm kill`) included. Desired state is kept.
    /// </summary>
    private void OnStopAll()
    {
        foreach (var app in _triggers.Keys.ToList()) StopTriggers(app);
        var sends = _apps.Select(a => new Confirmations.Send($"app {a.Key}", a.Value, SupervisorProtocol.Shutdown.Instance, Node, a.Key))
            // A removed app's supervisor is already stopping: asked again, it answers once its stop is over.
            .Concat(_removing.Select(r => new Confirmations.Send($"app {r.Value}", r.Key, SupervisorProtocol.Shutdown.Instance, Node, r.Value)))
            .ToList();
        _apps.Clear();
        Become(ShuttingDown);
        Converse(sends, Sender, o =>
        {
            if (o.Failures.Count > 0) _log.Warning("stopping the apps of this host: {0}", string.Join("; ", o.Failures));
            return Done.Instance;
        });
    }

    /// <summary>Stop every instance on this host gracefully (daemon shutdown); desired state is kept.</summary>
    public sealed record StopAllLocal
    {
        public static readonly StopAllLocal Instance = new();
    }

    public sealed record Done
    {
        public static readonly Done Instance = new();
    }

    /// <summary>The gateway port of an app is open (<paramref name="Error"/> null) or could not be: its Apply goes on.</summary>
    private sealed record RouteOpened(ApplyApp Apply, IActorRef Supervisor, IActorRef ReplyTo, string? Error);

    private sealed record RegisterTick
    {
        public static readonly RegisterTick Instance = new();
    }
}
