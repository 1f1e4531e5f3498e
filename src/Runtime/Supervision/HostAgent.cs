using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Processes;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// One per host: runs what the master assigns to this host, one AppSupervisor per app. It registers with
/// the master (through the singleton proxy) until acknowledged, and again whenever the master's
/// incarnation changes, so a new master learns of every host and re-sends its assignments.
/// Strategy: an AppSupervisor that throws is resumed, never restarted, because a restart would stop every
/// instance of the app for a bug in bookkeeping.
/// </summary>
internal sealed class HostAgent : ReceiveActor, IWithTimers
{
    private readonly PbmSettings _settings;
    private readonly PbmPaths _paths;
    private readonly IActorRef _master;
    private readonly PidRegistry _pids;
    private readonly Logs.LogHub _logs;
    private readonly Metrics.MetricsBoard _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _apps = [];

    public HostAgent(PbmSettings settings, PbmPaths paths, IActorRef master, Logs.LogHub logs, Metrics.MetricsBoard metrics)
    {
        _logs = logs;
        _metrics = metrics;
        _settings = settings;
        _paths = paths;
        _master = master;
        _pids = new PidRegistry(paths.Home.PidDir);

        Receive<RegisterTick>(_ => _master.Tell(new RegisterHost(_settings.NodeName, Self)));
        // Keep announcing, slowly, once registered: a master that moved to another node learns of us within 5 s.
        Receive<HostRegistered>(_ => Timers.StartPeriodicTimer("register", RegisterTick.Instance, TimeSpan.FromSeconds(5)));
        Receive<ApplyApp>(OnApply);
        Receive<RemoveApp>(OnRemove);
        Receive<InstanceOp>(OnInstanceOp);
        Receive<ListInstances>(OnList);
        Receive<StopAllLocal>(_ =>
        {
            var tasks = _apps.Values.Select(s => s.Ask<SupervisorProtocol.Done>(SupervisorProtocol.Shutdown.Instance, TimeSpan.FromMinutes(5))).ToList();
            _apps.Clear();
            Task.WhenAll(tasks).ContinueWith(_ => Done.Instance).PipeTo(Sender);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PbmSettings settings, PbmPaths paths, IActorRef master, Logs.LogHub logs, Metrics.MetricsBoard metrics) =>
        Akka.Actor.Props.Create(() => new HostAgent(settings, paths, master, logs, metrics));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(e =>
        {
            _log.Error(e, "app supervisor failed; resuming it");
            return Directive.Resume;
        });

    protected override void PreStart()
    {
        Context.ActorOf(Metrics.MetricsSampler.Props(_metrics, _settings.NodeName, _settings.MetricsInterval), "metrics");
        Self.Tell(RegisterTick.Instance);
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, TimeSpan.FromSeconds(1));
    }

    private void OnApply(ApplyApp m)
    {
        if (!_apps.TryGetValue(m.Spec.Name, out var supervisor))
        {
            supervisor = Context.ActorOf(AppSupervisor.Props(m.Spec, _settings, _logs, _metrics, _pids, _settings.NodeName),
                "app-" + Uri.EscapeDataString(m.Spec.Name) + "-" + Guid.NewGuid().ToString("N")[..6]);
            _apps[m.Spec.Name] = supervisor;
        }
        Forward(supervisor, new SupervisorProtocol.Apply(m.Spec, m.Indices, m.Running), m.Spec.Name);
    }

    private void OnRemove(RemoveApp m)
    {
        if (!_apps.Remove(m.App, out var supervisor))
        {
            Sender.Tell(new HostDone(_settings.NodeName, m.App));
            return;
        }
        Forward(supervisor, SupervisorProtocol.Shutdown.Instance, m.App);
    }

    private void OnInstanceOp(InstanceOp m)
    {
        if (!_apps.TryGetValue(m.App, out var supervisor))
        {
            Sender.Tell(new HostDone(_settings.NodeName, m.App));
            return;
        }
        object message = m.Op switch
        {
            "stop" => new SupervisorProtocol.StopInstances(m.Indices),
            "start" => new SupervisorProtocol.StartInstances(m.Indices),
            _ => new SupervisorProtocol.RestartInstances(m.Indices),
        };
        Forward(supervisor, message, m.App);
    }

    private void Forward(IActorRef supervisor, object message, string app)
    {
        var node = _settings.NodeName;
        var timeout = TimeSpan.FromMinutes(5);
        supervisor.Ask<SupervisorProtocol.Done>(message, timeout)
            .ContinueWith(t => t.IsCompletedSuccessfully ? new HostDone(node, app) : (object)new Status.Failure(t.Exception!))
            .PipeTo(Sender);
    }

    private void OnList(ListInstances m)
    {
        var node = _settings.NodeName;
        var metrics = _metrics;
        var targets = m.App is null ? _apps.Values.ToList() : _apps.TryGetValue(m.App, out var one) ? [one] : [];
        var tasks = targets.Select(s => s.Ask<SupervisorProtocol.Instances>(SupervisorProtocol.GetInstances.Instance, _settings.AskTimeout)).ToList();
        Task.WhenAll(tasks).ContinueWith(t =>
        {
            var list = t.IsCompletedSuccessfully
                ? t.Result.SelectMany(i => i.List).ToList()
                : tasks.Where(x => x.IsCompletedSuccessfully).SelectMany(x => x.Result.List).ToList();
            return new HostInstances(node, list, metrics.Host);
        }).PipeTo(Sender);
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

    private sealed record RegisterTick
    {
        public static readonly RegisterTick Instance = new();
    }
}
