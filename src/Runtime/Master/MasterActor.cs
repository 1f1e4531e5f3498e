using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Actors;
using Pbm.Runtime.Config;
using static Pbm.Runtime.Messages.HostProtocol;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// The cluster singleton that owns desired state: which apps exist, their specs, instance counts and whether they
/// run. It persists every change before acting on it, places instances on the registered hosts, and re-sends a host
/// its assignments whenever that host (re)registers, which is how host agents reconcile.
/// Its files: this one, the commands (each checked, committed, then carried out by the hosts); Queries (list, show,
/// hosts); Rollouts (reload, deploy, rollback); Placement (hosts coming and going, placement, replication).
/// It never waits: each conversation with the hosts is a child (<see cref="Confirmations"/> for a command,
/// <see cref="Actors.Gather"/> for a read) that reports back here, so `pbm list` is served while a slow stop runs,
/// and every request is answered within pbm.api.command-wait (or, for reads, a few seconds).
/// Strategy: its children stop on a failure (a conversation is not worth retrying; its requester is answered by
/// the API's own timeout). A command whose handling throws is answered with the error (see AroundReceive); the
/// singleton manager restarts the master on any other failure, and it reloads the replicated state.
/// </summary>
internal sealed partial class MasterActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly PbmSettings _settings;
    private readonly StateStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, AppRecord> _apps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _hosts = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = [];
    private readonly HashSet<string> _initialised = [];
    private readonly Dictionary<long, Conversation> _conversations = [];
    /// <summary>Starts held until the apps they name in --after are ready (<see cref="StartGate"/>), by app name.</summary>
    private readonly Dictionary<string, IActorRef> _gates = new(StringComparer.Ordinal);
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _replicator;
    private long _revision;
    private long _lastConversation;

    public MasterActor(PbmSettings settings, StateStore store, IReadOnlyList<string> startupWarnings, IActorRef? replicator)
    {
        _settings = settings;
        _store = store;
        _replicator = replicator ?? ReplicatedState.Replicator(Context.System);
        _warnings.AddRange(startupWarnings);
        Loading();
    }

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="replicator">DistributedData's replicator of the node (tests give a probe).</param>
    public static Props Props(PbmSettings settings, StateStore store, IReadOnlyList<string> warnings, IActorRef? replicator = null) =>
        Akka.Actor.Props.Create(() => new MasterActor(settings, store, warnings, replicator));

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void Ready()
    {
        Receive<RegisterHost>(OnRegister);
        Receive<Terminated>(OnHostTerminated);
        Receive<NodeGone>(OnNodeGone);
        Receive<GraceOver>(_ =>
        {
            _graceOver = true;
            Replan("hosts that did not come back within the grace period lose their instances");
        });
        Receive<Changed>(c => c.Key.Equals(ReplicatedState.Key), OnReplicatedChange);
        Receive<UpdateSuccess>(_ => { });
        Receive<IUpdateFailure>(f => _log.Warning("state replication to a majority failed ({0}); kept locally, gossip will carry it", f.GetType().Name));
        Receive<Confirmations.Outcome>(o =>
        {
            if (_conversations.Remove(o.Id, out var c)) c.Done(o);
        });
        Receive<Confirmations.Busy>(b =>
        {
            if (_conversations.TryGetValue(b.Id, out var c)) c.Busy?.Invoke(b);
        });
        Receive<GetReadiness>(_ => Sender.Tell(new Readiness(_hosts.Count > 0 && _initialised.Count > 0, _warnings.ToList())));
        Receive<GetApps>(_ => ReplyList());
        Receive<GetHosts>(_ => ReplyHosts());
        Receive<GetApp>(m => WithTarget(m.Target, (apps, _) => ReplyApp(apps[0].Spec.Name), allowAll: false));
        Receive<StartApp>(OnStartApp);
        Receive<StartGate.Ready>(m =>
        {
            _gates.Remove(m.Start.Spec.Name);
            Start(m.Start, m.ReplyTo);
        });
        Receive<StartGate.GaveUp>(m =>
        {
            _gates.Remove(m.App);
            _log.Warning("{0}", m.Reason);
            m.ReplyTo.Tell(new Failed(m.Reason, 409));
        });
        Receive<StartExisting>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "start", running: true)));
        Receive<Stop>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "stop", running: index is null ? false : null)));
        Receive<Restart>(m => m.Spec is null, m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "restart", running: true)));
        Receive<Restart>(OnRestartWithSpec);
        Receive<Messages.MasterProtocol.Delete>(m => WithTarget(m.Target, OnDelete));
        Receive<Scale>(OnScale);
        ReceiveAutoscaling();
        Receive<Save>(OnSave);
        Receive<Resurrect>(OnResurrect);
        Receive<KillAll>(_ => OnKillAll());
        Receive<Reload>(m => Roll("reload", m.App, null, m.Parallel));
        Receive<Messages.MasterProtocol.Deploy>(m => Roll("deploy", m.Spec.Name, m.Spec, m.Parallel));
        Receive<Rollback>(m => Roll("rollback", m.App, null, m.Parallel));
        Receive<ResetCounters>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "reset", running: null)));
        Receive<SendSignal>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "signal", running: null, m.Signal)));
        Receive<Disconnect>(m => WithTarget(m.Target, (apps, index) =>
        {
            if (index is null)
            {
                Sender.Tell(new Failed("disconnect takes an instance id (app:N)", 400));
                return;
            }
            if (apps[0].Spec.Port is null)
            {
                Sender.Tell(new Failed($"{apps[0].Spec.Name} has no gateway port: disconnect applies to apps started with --port", 400));
                return;
            }
            Operate(apps, index, "disconnect", running: null);
        }, allowAll: false));
    }

    /// <summary>
    /// A command whose handling throws (a bug, or input nobody foresaw) is answered with the error, and the master
    /// serves on with its state: a change is committed whole or undone (<see cref="Commit"/>), so no half-made change
    /// is left. Restarting instead would leave the request unanswered and drop every conversation in flight.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e) when (message is ICommand)
        {
            _log.Error(e, "{0} failed", message.GetType().Name);
            Sender.Tell(new Failed($"{message.GetType().Name.ToLowerInvariant()} failed in the master: {e.Message}", 500));
            return true;
        }
    }

    private void OnStartApp(StartApp m)
    {
        if (_gates.ContainsKey(m.Spec.Name))
        {
            Sender.Tell(new Failed($"app '{m.Spec.Name}' is already starting: it waits for {string.Join(", ", m.Spec.After ?? [])} to be ready (--after)", 409));
            return;
        }
        if (m.Spec.After is { Count: > 0 } after && !_apps.ContainsKey(m.Spec.Name))
        {
            // systemd's After=: the named apps must exist (a file's apps are sent in order), form no cycle, and be ready first.
            if (after.FirstOrDefault(a => !_apps.ContainsKey(a)) is { } missing)
            {
                Sender.Tell(new Failed($"{m.Spec.Name}: --after {missing}: no app named {missing} (start it first; an app file starts its apps in --after order)", 400));
                return;
            }
            var graph = _apps.Values.ToDictionary(a => a.Spec.Name, a => a.Spec.After ?? [], StringComparer.Ordinal);
            graph[m.Spec.Name] = after;
            if (Client.Specs.StartOrder.FindCycle(graph) is { } cycle)
            {
                Sender.Tell(new Failed($"start order has a cycle: {string.Join(" -> ", cycle)} (--after)", 400));
                return;
            }
            _gates[m.Spec.Name] = Context.ActorOf(StartGate.Props(m, Sender, _settings.StartOrderPoll, _settings.StartOrderTimeout, _settings.CommandWait),
                "after-" + m.Spec.Name + "-" + ++_lastConversation);
            return;
        }
        Start(m, Sender);
    }

    private void Start(StartApp m, IActorRef replyTo)
    {
        if (_apps.ContainsKey(m.Spec.Name))
        {
            replyTo.Tell(new Failed($"app '{m.Spec.Name}' already exists: use pbm restart {m.Spec.Name}, or pbm delete {m.Spec.Name} first", 409));
            return;
        }
        if (m.Spec.Port is { } port && _apps.Values.FirstOrDefault(a => a.Spec.Port == port && a.Spec.Route == m.Spec.Route && a.Spec.RouteHost == m.Spec.RouteHost) is { } taken)
        {
            replyTo.Tell(new Failed($"port {port}{(m.Spec.Route is null ? "" : " path " + m.Spec.Route)} is already served by {taken.Spec.Name} (give --route to share the port)", 409));
            return;
        }
        var record = PlaceApp(new AppRecord(m.Spec with { Version = 1, InstanceIds = null }, m.Spec.AutoStart));
        if (!Commit(() => _apps[record.Spec.Name] = record, () => _apps.Remove(record.Spec.Name))) return;
        var name = record.Spec.Name;
        var count = $"{record.Spec.Instances} instance{(record.Spec.Instances == 1 ? "" : "s")}";
        Command(HostsOf(record).Select(h => Apply(h, record)), $"starting {name}",
            record.Running ? $"started {name} ({count})" : $"registered {name} ({count}, stopped: autostart is off; pbm start {name} starts it)",
            name, replyTo, after: o =>
            {
                // A host could not start it (the gateway port is taken...): undo, so nothing half-started remains.
                if (o.Failures.Count > 0) Self.Tell(new Messages.MasterProtocol.Delete(name), ActorRefs.Nobody);
            });
    }

    private void Operate(IReadOnlyList<AppRecord> apps, int? index, string op, bool? running, string? signal = null)
    {
        var changed = running is { } r ? apps.Where(a => a.Running != r).ToList() : [];
        if (changed.Count > 0 &&
            !Commit(() => { foreach (var a in changed) _apps[a.Spec.Name] = a with { Running = running!.Value }; },
                    () => { foreach (var a in changed) _apps[a.Spec.Name] = a; }))
            return;
        var sends = new List<(string, object)>();
        foreach (var app in apps)
            foreach (var node in HostsOf(app))
            {
                if (index is { } i && app.Where.GetValueOrDefault(i) != node) continue;
                sends.Add((node, new InstanceOp(app.Spec.Name, op, index is null ? null : [index.Value], signal)));
            }
        var what = index is null ? string.Join(", ", apps.Select(a => a.Spec.Name)) : $"{apps[0].Spec.Name}:{index}";
        Action<Confirmations.Outcome>? then = null;
        if (op == "restart" && index is null)
        {
            // --restart-with (systemd's PartOf=): apps that start after a restarted app are restarted once it is back.
            var restarted = apps.Select(a => a.Spec.Name).ToHashSet(StringComparer.Ordinal);
            var dependents = _apps.Values.Where(a => a.Spec.RestartWith && a.Running && !restarted.Contains(a.Spec.Name) &&
                                                     (a.Spec.After ?? []).Any(restarted.Contains)).Select(a => a.Spec.Name).ToList();
            if (dependents.Count > 0)
                then = o =>
                {
                    if (o.Failures.Count > 0) return;
                    foreach (var dependent in dependents)
                    {
                        _log.Info("{0}: restarted with {1} (--restart-with)", dependent, string.Join(", ", restarted));
                        Self.Tell(new Restart(dependent), ActorRefs.Nobody);
                    }
                };
        }
        var (doing, done) = op switch
        {
            "stop" => ("stopping", "stopped"), "start" => ("starting", "started"), "disconnect" => ("disconnecting", "disconnected"),
            "reset" => ("resetting the restart counters of", "reset the restart counters of"), "signal" => ($"sending {signal} to", $"sent {signal} to"),
            _ => ("restarting", "restarted"),
        };
        Command(sends, $"{doing} {what}", apps.Count == 0 ? "no apps" : $"{done} {what}", apps.Count == 1 ? apps[0].Spec.Name : null, Sender, then);
    }

    /// <summary>
    /// pbm restart --update-env: the new spec (same app, new environment, maybe a re-read app file) is persisted
    /// and applied to every host first, so every restarted process, and every later one, runs with it.
    /// </summary>
    private void OnRestartWithSpec(Restart m)
    {
        if (!_apps.TryGetValue(m.Target, out var app))
        {
            Sender.Tell(Unknown(m.Target));
            return;
        }
        if (_rollouts.TryGetValue(m.Target, out var rollout) && rollout.State == "running")
        {
            Sender.Tell(new Failed($"a {rollout.Kind} of {m.Target} is running; restart once it is done", 409));
            return;
        }
        var spec = m.Spec! with { Name = app.Spec.Name, Version = app.Spec.Version + 1, InstanceIds = app.Spec.InstanceIds };
        if (spec.Port is { } port && _apps.Values.FirstOrDefault(a => a.Spec.Name != spec.Name && a.Spec.Port == port && a.Spec.Route == spec.Route && a.Spec.RouteHost == spec.RouteHost) is { } taken)
        {
            Sender.Tell(new Failed($"port {port} is already served by {taken.Spec.Name}", 409));
            return;
        }
        var updated = PlaceApp(app with { Spec = spec, Running = true, Previous = app.Spec });
        if (!Commit(() => _apps[spec.Name] = updated, () => _apps[spec.Name] = app)) return;
        _log.Info("{0}: spec updated to v{1} (update-env); restarting", spec.Name, spec.Version);
        var replyTo = Sender;
        Converse(_hosts.Keys.Select(h => Apply(h, updated)), o =>
        {
            if (o.Failures.Count > 0)
            {
                if (!o.Late) replyTo.Tell(new Failed($"updated {spec.Name}, but a host could not apply it: {string.Join("; ", o.Failures)}", 500));
                return;
            }
            // The restart answers the requester, unless it was told already that the update is in progress.
            Self.Tell(new Restart(spec.Name), o.Late ? ActorRefs.Nobody : replyTo);
        }, b => replyTo.Tell(InProgress($"updating {spec.Name} to v{spec.Version} before restarting it", b.Waiting)));
    }

    private void OnDelete(IReadOnlyList<AppRecord> apps, int? index)
    {
        if (index is not null)
        {
            Sender.Tell(new Failed("delete takes an app name or 'all'; to remove one instance use pbm scale APP -1", 400));
            return;
        }
        if (!Commit(() => { foreach (var a in apps) _apps.Remove(a.Spec.Name); },
                    () => { foreach (var a in apps) _apps[a.Spec.Name] = a; }))
            return;
        var names = string.Join(", ", apps.Select(a => a.Spec.Name));
        Command(apps.SelectMany(a => _hosts.Keys.Select(h => (h, (object)new RemoveApp(a.Spec.Name)))), $"deleting {names}",
            apps.Count == 0 ? "no apps" : $"deleted {names}", null, Sender);
    }

    private void OnScale(Scale m)
    {
        if (!_apps.TryGetValue(m.App, out var app))
        {
            Sender.Tell(Unknown(m.App));
            return;
        }
        var text = m.Count.Trim();
        if (Client.Specs.Autoscaling.Range(text) is { } range)
        {
            ScaleAutomatically(app, m, range.Min, range.Max);
            return;
        }
        var relative = text.StartsWith('+') || text.StartsWith('-');
        if (!int.TryParse(text, out var n))
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: expected N, +N, -N or MIN..MAX", 400));
            return;
        }
        if (relative && app.Spec.Autoscale is { } on)
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: {m.App} is autoscaled ({on.Min}..{on.Max}); give a new range, or a fixed count to turn autoscaling off", 409));
            return;
        }
        var target = relative ? app.Spec.Instances + n : n;
        if (target < 1 || target > 1024)
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: would leave {target} instances; the count must stay between 1 and 1024 (pbm stop {m.App} stops them all)", 400));
            return;
        }
        var off = app.Spec.Autoscale is null ? "" : " (autoscaling off)";
        Resize(app, app.Spec with { Instances = target, Autoscale = null }, Sender, $"scaled {m.App} from {app.Spec.Instances} to {target}{off}");
    }

    /// <summary>Commits <paramref name="spec"/> (a new count, maybe a new autoscaling policy) and applies it on every host concerned.</summary>
    private void Resize(AppRecord app, AppSpec spec, IActorRef replyTo, string done)
    {
        var scaled = PlaceApp(app with { Spec = spec });
        if (!Commit(() => _apps[spec.Name] = scaled, () => _apps[spec.Name] = app)) return;
        Command(HostsOf(app).Union(HostsOf(scaled)).Select(h => Apply(h, scaled)), $"scaling {spec.Name} to {spec.Instances}",
            done, spec.Name, replyTo);
    }

    private void OnSave(Save m)
    {
        if (DumpPathProblem(m.Path) is { } problem)
        {
            Sender.Tell(new Failed(problem, 400));
            return;
        }
        try
        {
            StateStore.Write(m.Path, _apps.Values);
            Sender.Tell(new DumpResult(m.Path, _apps.Keys.Order().ToList()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Sender.Tell(new Failed($"cannot write {m.Path}: {e.Message}", 500));
        }
    }

    /// <summary>What makes a dump path unusable, in words (null: none); the file system says the rest.</summary>
    private static string? DumpPathProblem(string path) =>
        path.Contains('\0') ? "a dump name or path cannot contain a NUL character"
        : Directory.Exists(path) ? $"cannot save to {path}: it is a directory; give a name (pbm save NAME) or a file (pbm save FILE.json)"
        : null;

    private void OnResurrect(Resurrect m)
    {
        if (m.Path.Contains('\0') || !File.Exists(m.Path))
        {
            Sender.Tell(new Failed($"no dump at {m.Path} (pbm save writes one)", 404));
            return;
        }
        StateSnapshot dumped;
        try
        {
            dumped = StateStore.Read(m.Path);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Sender.Tell(new Failed($"cannot read dump {m.Path}: {e.Message.Split('\n')[0]}", 400));
            return;
        }
        var added = dumped.Apps.Where(a => !_apps.ContainsKey(a.Spec.Name)).Select(a => PlaceApp(a with { Placement = null })).ToList();
        if (!Commit(() => { foreach (var a in added) _apps[a.Spec.Name] = a; },
                    () => { foreach (var a in added) _apps.Remove(a.Spec.Name); }))
            return;
        var result = new DumpResult(m.Path, added.Select(a => a.Spec.Name).Order(StringComparer.Ordinal).ToList()) { Warnings = dumped.Problems };
        var replyTo = Sender;
        // The apps are desired state now: answered once the hosts started them, or at command-wait while they still start.
        Converse(added.SelectMany(a => HostsOf(a).Select(h => Apply(h, a))), o =>
        {
            if (!o.Late) replyTo.Tell(result);
        }, _ => replyTo.Tell(result));
    }

    private void OnKillAll()
    {
        var apps = _apps.Values.ToList();
        _apps.Clear();
        try
        {
            Persist();
        }
        catch (IOException e)
        {
            _log.Error(e, "could not clear the state file");
        }
        var replyTo = Sender;
        Converse(apps.SelectMany(a => _hosts.Keys.Select(h => (h, (object)new RemoveApp(a.Spec.Name)))), o =>
        {
            if (!o.Late) replyTo.Tell(new OperationResult($"stopped {apps.Count} apps", []));
        }, _ => replyTo.Tell(new OperationResult(
            $"stopping {apps.Count} apps: not done after {_settings.CommandWait.TotalSeconds:0} s; the daemon exits once they are (each within its kill-timeout)", [])
            { InProgress = true }));
    }

    /// <summary>Applies a change to the in-memory state and persists it; on a write failure undoes it and answers 500.</summary>
    private bool Commit(Action change, Action undo)
    {
        change();
        try
        {
            Persist();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            undo();
            Sender.Tell(new Failed($"cannot save state to {_store.Path}: {e.Message}; nothing was changed", 500));
            return false;
        }
    }

    private void WithTarget(string text, Action<IReadOnlyList<AppRecord>, int?> then, bool allowAll = true)
    {
        if (!Target.TryParse(text, out var target, out var error))
        {
            Sender.Tell(new Failed(error!, 400));
            return;
        }
        if (target.All)
        {
            if (!allowAll)
            {
                Sender.Tell(new Failed("give an app name or an instance id, not 'all'", 400));
                return;
            }
            then(_apps.Values.OrderBy(a => a.Spec.Name).ToList(), null);
            return;
        }
        if (!_apps.TryGetValue(target.App!, out var app))
        {
            Sender.Tell(Unknown(text));
            return;
        }
        if (target.Index is { } i && i >= app.Spec.Instances)
        {
            Sender.Tell(new Failed($"unknown instance '{text}': {app.Spec.Name} has instances 0 to {app.Spec.Instances - 1}", 404));
            return;
        }
        then([app], target.Index);
    }

    private static Failed Unknown(string text) => new($"unknown app or instance '{text}' (pbm list shows them)", 404);

    private static (string Node, object Message) Apply(string node, AppRecord app) =>
        (node, new ApplyApp(app.Spec, app.IndicesOn(node), app.Running));

    // ---- conversations with the hosts ----

    /// <summary>What the master does when a host conversation ends (on its own thread: it is a message), or runs long.</summary>
    private sealed record Conversation(Action<Confirmations.Outcome> Done, Action<Confirmations.Busy>? Busy);

    /// <summary>Sends each host its message through a <see cref="Confirmations"/> child; hosts not registered are skipped.</summary>
    private void Converse(IEnumerable<(string Node, object Message)> sends, Action<Confirmations.Outcome> done, Action<Confirmations.Busy>? busy = null)
    {
        var id = ++_lastConversation;
        _conversations[id] = new Conversation(done, busy);
        var targets = sends.Where(s => _hosts.ContainsKey(s.Node))
            .Select(s => new Confirmations.Send($"host {s.Node}", _hosts[s.Node], s.Message, s.Node, AppOf(s.Message))).ToList();
        Context.ActorOf(Confirmations.Props(id, targets, _settings.CommandWait), $"command-{id}");
    }

    /// <summary>
    /// Carries out a command on the hosts, then answers <paramref name="replyTo"/>: <paramref name="done"/> with the
    /// instances of <paramref name="app"/> (all when null) once every host confirmed; the hosts' errors if one failed;
    /// or, at pbm.api.command-wait, that it is still <paramref name="doing"/>. <paramref name="after"/> runs on the
    /// outcome either way (also after an in-progress answer).
    /// </summary>
    private void Command(IEnumerable<(string Node, object Message)> sends, string doing, string done, string? app, IActorRef replyTo,
        Action<Confirmations.Outcome>? after = null) =>
        Converse(sends, o =>
        {
            after?.Invoke(o);
            if (o.Late) return;
            if (o.Failures.Count > 0) replyTo.Tell(new Failed($"failed: {string.Join("; ", o.Failures.Distinct())}", 500));
            else ReplyWithInstances(done, app, replyTo);
        }, b => replyTo.Tell(InProgress(doing, b.Waiting)));

    private OperationResult InProgress(string doing, IReadOnlyList<string> hosts) =>
        new($"{doing}: not finished after {_settings.CommandWait.TotalSeconds:0} s (waiting for {string.Join(", ", hosts)}); " +
            "it goes on, and pbm list shows how far it got", []) { InProgress = true };
}
