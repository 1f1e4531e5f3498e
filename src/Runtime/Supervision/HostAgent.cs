using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
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
/// Strategy: an AppSupervisor that throws is resumed, never restarted, because a restart would stop every
/// instance of the app for a bug in bookkeeping; one that cannot be created is stopped and its app errored here.
/// </summary>
internal sealed class HostAgent : ReceiveActor, IWithTimers
{
    private readonly PbmSettings _settings;
    private readonly PbmPaths _paths;
    private readonly IActorRef _master;
    private readonly PidRegistry _pids;
    private readonly TreeTracking _trees;
    private readonly PbmGateway? _gateway;
    private readonly Logs.LogHub _logs;
    private readonly Metrics.MetricsBoard _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _apps = [];
    private readonly Dictionary<string, (IActorRef Actor, int Version)> _triggers = [];
    private readonly ErroredApps _errored = new();

    public HostAgent(PbmSettings settings, PbmPaths paths, IActorRef master, Logs.LogHub logs, Metrics.MetricsBoard metrics, TreeTracking trees, PbmGateway? gateway)
    {
        _trees = trees;
        _gateway = gateway;
        _logs = logs;
        _metrics = metrics;
        _settings = settings;
        _paths = paths;
        _master = master;
        _pids = new PidRegistry(paths.Home.PidDir);

        Receive<RegisterTick>(_ => _master.Tell(new RegisterHost(_settings.NodeName, Self)));
        // Keep announcing every second (it costs one small message): a master that moved to another node learns
        // of this host within a second of being up, and re-sends its assignments.
        Receive<HostRegistered>(_ => { });
        Receive<HostAssignments>(OnAssignments);
        Receive<ApplyApp>(OnApply);
        Receive<RemoveApp>(OnRemove);
        Receive<InstanceOp>(OnInstanceOp);
        Receive<ListInstances>(OnList);
        Receive<ReloadApp>(OnReload);
        Receive<GetHostReport>(_ => OnHostReport());
        Receive<StopAllLocal>(_ =>
        {
            foreach (var app in _triggers.Keys.ToList()) StopTriggers(app);
            var tasks = _apps.Values.Select(s => s.Ask<SupervisorProtocol.Done>(SupervisorProtocol.Shutdown.Instance, TimeSpan.FromMinutes(5))).ToList();
            _apps.Clear();
            Task.WhenAll(tasks).ContinueWith(_ => Done.Instance).PipeTo(Sender);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

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
                    _errored.Failed(app, e);
                }
                return Directive.Stop;
            }
            _log.Error(e, "app supervisor failed; resuming it");
            return Directive.Resume;
        });

    protected override void PreStart()
    {
        Context.ActorOf(Metrics.MetricsSampler.Props(_metrics, _trees, _settings.NodeName, _settings.MetricsInterval), "metrics");
        Self.Tell(RegisterTick.Instance);
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, TimeSpan.FromSeconds(1));
    }

    /// <summary>Reconciliation: run exactly what the master assigns here; stop apps no longer assigned.</summary>
    private void OnAssignments(HostAssignments m)
    {
        var node = _settings.NodeName;
        var wanted = m.Apps.Select(a => a.Spec.Name).ToHashSet();
        _errored.KeepOnly(wanted);
        var tasks = new List<Task>();
        foreach (var (name, supervisor) in _apps.Where(a => !wanted.Contains(a.Key)).ToList())
        {
            _log.Info("{0} is no longer assigned to this host; stopping it", name);
            _apps.Remove(name);
            _gateway?.RemoveRouteAsync(name);
            tasks.Add(supervisor.Ask<SupervisorProtocol.Done>(SupervisorProtocol.Shutdown.Instance, TimeSpan.FromMinutes(5)));
        }
        var self = Self;
        foreach (var apply in m.Apps) tasks.Add(self.Ask<object>(apply, TimeSpan.FromMinutes(5)));
        Task.WhenAll(tasks).ContinueWith(t => (object)(t.IsCompletedSuccessfully ? new HostDone(node, "*") : new HostFailed(node, "*", t.Exception!.GetBaseException().Message)))
            .PipeTo(Sender);
    }

    private void OnApply(ApplyApp m)
    {
        _errored.Assigned(m.Spec, m.Indices);
        if (!_apps.TryGetValue(m.Spec.Name, out var supervisor) && m.Indices.Count == 0)
        {
            Sender.Tell(new HostDone(_settings.NodeName, m.Spec.Name));
            return;
        }
        if (supervisor is null)
        {
            supervisor = Context.ActorOf(AppSupervisor.Props(m.Spec, _settings, _logs, _metrics, _pids, _trees, _settings.NodeName, _gateway),
                "app-" + Uri.EscapeDataString(m.Spec.Name) + "-" + Guid.NewGuid().ToString("N")[..6]);
            _apps[m.Spec.Name] = supervisor;
        }
        UpdateTriggers(m.Spec, m.Running && m.Indices.Count > 0, supervisor);
        var apply = new SupervisorProtocol.Apply(m.Spec, m.Indices, m.Running);
        if (m.Spec.Port is not { } port || _gateway is null)
        {
            Forward(supervisor, apply, m.Spec.Name);
            return;
        }
        // The public port is bound before any instance starts: a port in use fails the start, loudly.
        var node = _settings.NodeName;
        var sender = Sender;
        var spec = m.Spec;
        _gateway.EnsureRouteAsync(spec.Name, port, spec.Route, spec.RouteHost, spec.Sticky).ContinueWith(t =>
        {
            if (t.IsFaulted)
            {
                sender.Tell(new HostFailed(node, spec.Name, t.Exception!.GetBaseException().Message));
                return;
            }
            supervisor.Ask<SupervisorProtocol.Done>(apply, TimeSpan.FromMinutes(5)).ContinueWith(d =>
                sender.Tell(d.IsCompletedSuccessfully ? new HostDone(node, spec.Name) : new HostFailed(node, spec.Name, d.Exception!.GetBaseException().Message)));
        });
    }

    private void OnHostReport()
    {
        var node = _settings.NodeName;
        var address = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        var metrics = _metrics;
        InstancesAsync(_apps.Values).ContinueWith(t =>
        {
            var all = t.Result;
            var host = metrics.Host;
            return new HostReport(new HostInfo(node, address, all.Count, all.Count(i => i.Status == InstanceStatus.Online),
                host?.Load1 ?? 0, host?.MemoryTotal ?? 0, host?.MemoryAvailable ?? 0, host?.Cores ?? Environment.ProcessorCount));
        }).PipeTo(Sender);
    }

    /// <summary>The instances of these supervisors; one that does not answer in time contributes nothing.</summary>
    private Task<List<InstanceInfo>> InstancesAsync(IEnumerable<IActorRef> supervisors)
    {
        var tasks = supervisors.Select(s => s.Ask<SupervisorProtocol.Instances>(SupervisorProtocol.GetInstances.Instance, _settings.AskTimeout)).ToList();
        return Task.WhenAll(tasks).ContinueWith(_ => tasks.Where(x => x.IsCompletedSuccessfully).SelectMany(x => x.Result.List).ToList());
    }

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
        var node = _settings.NodeName;
        if (!_apps.TryGetValue(m.Spec.Name, out var supervisor))
        {
            Sender.Tell(new HostRollout(node, m.Spec.Name, true, 0, 0, null));
            return;
        }
        supervisor.Ask<SupervisorProtocol.RolloutResult>(new SupervisorProtocol.Reload(m.Spec, m.Parallel), TimeSpan.FromHours(1))
            .ContinueWith(t => t.IsCompletedSuccessfully
                ? new HostRollout(node, m.Spec.Name, t.Result.Completed, t.Result.Replaced, t.Result.Total, t.Result.Reason)
                : new HostRollout(node, m.Spec.Name, false, 0, 0, t.Exception?.GetBaseException().Message))
            .PipeTo(Sender);
    }

    private void OnRemove(RemoveApp m)
    {
        _errored.Forget(m.App);
        if (!_apps.Remove(m.App, out var supervisor))
        {
            Sender.Tell(new HostDone(_settings.NodeName, m.App));
            return;
        }
        StopTriggers(m.App);
        Forward(supervisor, SupervisorProtocol.Shutdown.Instance, m.App);
        _gateway?.RemoveRouteAsync(m.App);
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
            "disconnect" when m.Indices is [var index] => new SupervisorProtocol.DisconnectInstance(index),
            "reset" => new SupervisorProtocol.ResetInstances(m.Indices),
            "signal" => new SupervisorProtocol.SignalInstances(m.Indices, m.Signal ?? "SIGTERM"),
            _ => new SupervisorProtocol.RestartInstances(m.Indices),
        };
        Forward(supervisor, message, m.App);
    }

    private void Forward(IActorRef supervisor, object message, string app)
    {
        var node = _settings.NodeName;
        var timeout = TimeSpan.FromMinutes(5);
        supervisor.Ask<SupervisorProtocol.Done>(message, timeout)
            .ContinueWith(t => t.IsCompletedSuccessfully ? new HostDone(node, app) : (object)new HostFailed(node, app, t.Exception!.GetBaseException().Message))
            .PipeTo(Sender);
    }

    private void OnList(ListInstances m)
    {
        var node = _settings.NodeName;
        var metrics = _metrics;
        var targets = m.App is null ? _apps.Values.ToList() : _apps.TryGetValue(m.App, out var one) ? [one] : [];
        var errored = _errored.Instances(m.App, node);
        InstancesAsync(targets).ContinueWith(t => new HostInstances(node, [.. t.Result, .. errored], metrics.Host)).PipeTo(Sender);
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
