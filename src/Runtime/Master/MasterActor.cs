using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using static Pbm.Runtime.Messages.HostProtocol;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// The cluster singleton that owns desired state: which apps exist, their specs, instance counts and whether
/// they run. It persists every change before acting on it, places instances on the registered hosts, and
/// re-sends a host its assignments whenever that host (re)registers, which is how host agents reconcile.
/// It never blocks: host answers come back through PipeTo, so `pbm list` is served while a slow stop runs.
/// Strategy (of the singleton manager above it): a crash restarts the master, which reloads state from disk.
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
    private readonly Dictionary<string, RolloutInfo> _rollouts = new(StringComparer.Ordinal);
    private readonly StateSnapshot _local;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _replicator = ReplicatedState.Replicator(Context.System);
    private long _revision;

    public MasterActor(PbmSettings settings, StateStore store, StateSnapshot local, IReadOnlyList<string> startupWarnings)
    {
        _settings = settings;
        _store = store;
        _local = local;
        _warnings.AddRange(startupWarnings);
        Loading();
    }

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Until the replicated state has been read (or found missing), commands wait in the stash.</summary>
    private void Loading()
    {
        Receive<GetSuccess>(g => g.Key.Equals(ReplicatedState.Key), g => Loaded(ReplicatedState.FromJson(g.Get(ReplicatedState.Key).Value)));
        Receive<NotFound>(_ => Loaded(null));
        Receive<GetFailure>(_ => Loaded(null));
        Receive<GetReadiness>(_ => Sender.Tell(new Readiness(false, _warnings.ToList())));
        ReceiveAny(_ => Stash.Stash());
    }

    private void Loaded(StateSnapshot? replicated)
    {
        var best = replicated is not null && replicated.Revision > _local.Revision ? replicated : _local;
        _revision = best.Revision;
        foreach (var app in best.Apps) _apps[app.Spec.Name] = app;
        // A state written before pm_ids existed gets them now, in name order.
        foreach (var app in _apps.Values.OrderBy(a => a.Spec.Name, StringComparer.Ordinal).ToList())
            _apps[app.Spec.Name] = app with { Spec = InstanceIds.Assign(app.Spec, _apps.Values.Select(a => a.Spec)) };
        _log.Info("master started with {0} apps at revision {1} (local file {2}, replicated {3})",
            _apps.Count, _revision, _local.Revision, replicated?.Revision.ToString() ?? "none");
        foreach (var problem in replicated?.Problems.Select(p => $"replicated state: {p}") ?? []) { _log.Warning("{0}", problem); _warnings.Add(problem); }
        _replicator.Tell(Dsl.Subscribe(ReplicatedState.Key, Self));
        Timers.StartSingleTimer("grace", GraceOver.Instance, _settings.HostGrace);
        Become(Ready);
        Stash.UnstashAll();
    }

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
        Receive<GetReadiness>(_ => Sender.Tell(new Readiness(_hosts.Count > 0 && _initialised.Count > 0, _warnings.ToList())));
        Receive<GetApps>(_ => ReplyList(null));
        Receive<GetHosts>(_ =>
        {
            var asks = _hosts.Values.Select(h => h.Ask<HostReport>(GetHostReport.Instance, _settings.AskTimeout)).ToList();
            Task.WhenAll(asks).ContinueWith(_ => new Hosts(asks.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result.Info).OrderBy(h => h.Node).ToList()))
                .PipeTo(Sender);
        });
        Receive<GetApp>(m => WithTarget(m.Target, (apps, _) => ReplyApp(apps[0].Spec.Name), allowAll: false));
        Receive<StartApp>(OnStartApp);
        Receive<StartExisting>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "start", running: true)));
        Receive<Stop>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "stop", running: index is null ? false : null)));
        Receive<Restart>(m => m.Spec is null, m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "restart", running: true)));
        Receive<Restart>(OnRestartWithSpec);
        Receive<Messages.MasterProtocol.Delete>(m => WithTarget(m.Target, OnDelete));
        Receive<Scale>(OnScale);
        Receive<Save>(OnSave);
        Receive<Resurrect>(OnResurrect);
        Receive<KillAll>(_ => OnKillAll());
        Receive<HostInitialised>(h => _initialised.Add(h.Node));
        Receive<Reload>(m => Roll("reload", m.App, null, m.Parallel));
        Receive<Messages.MasterProtocol.Deploy>(m => Roll("deploy", m.Spec.Name, m.Spec, m.Parallel));
        Receive<Rollback>(m => Roll("rollback", m.App, null, m.Parallel));
        Receive<RolloutFinished>(OnRolloutFinished);
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

    public static Props Props(PbmSettings settings, StateStore store, StateSnapshot local, IReadOnlyList<string> warnings) =>
        Akka.Actor.Props.Create(() => new MasterActor(settings, store, local, warnings));

    protected override void PreStart() =>
        _replicator.Tell(Dsl.Get(ReplicatedState.Key, new ReadMajority(TimeSpan.FromSeconds(2))));

    private void OnStartApp(StartApp m)
    {
        if (_apps.ContainsKey(m.Spec.Name))
        {
            Sender.Tell(new Failed($"app '{m.Spec.Name}' already exists: use pbm restart {m.Spec.Name}, or pbm delete {m.Spec.Name} first", 409));
            return;
        }
        if (m.Spec.Port is { } port && _apps.Values.FirstOrDefault(a => a.Spec.Port == port && a.Spec.Route == m.Spec.Route && a.Spec.RouteHost == m.Spec.RouteHost) is { } taken)
        {
            Sender.Tell(new Failed($"port {port}{(m.Spec.Route is null ? "" : " path " + m.Spec.Route)} is already served by {taken.Spec.Name} (give --route to share the port)", 409));
            return;
        }
        var record = PlaceApp(new AppRecord(m.Spec with { Version = 1, InstanceIds = null }, m.Spec.AutoStart));
        if (!Commit(() => _apps[record.Spec.Name] = record, () => _apps.Remove(record.Spec.Name))) return;
        var tasks = HostsOf(record).Select(h => ApplyTo(h, record)).ToList();
        var name = record.Spec.Name;
        var self = Self;
        var sender = Sender;
        Task.WhenAll(tasks).ContinueWith(t =>
        {
            if (!t.IsFaulted) return;
            // A host could not start it (the gateway port is taken...): undo, so nothing half-started remains.
            self.Tell(new Messages.MasterProtocol.Delete(name), ActorRefs.Nobody);
        });
        var count = $"{record.Spec.Instances} instance{(record.Spec.Instances == 1 ? "" : "s")}";
        ReplyAfter(tasks, record.Running ? $"started {name} ({count})" : $"registered {name} ({count}, stopped: autostart is off; pbm start {name} starts it)", name, sender);
    }

    private void Operate(IReadOnlyList<AppRecord> apps, int? index, string op, bool? running, string? signal = null)
    {
        var changed = running is { } r ? apps.Where(a => a.Running != r).ToList() : [];
        if (changed.Count > 0 &&
            !Commit(() => { foreach (var a in changed) _apps[a.Spec.Name] = a with { Running = running!.Value }; },
                    () => { foreach (var a in changed) _apps[a.Spec.Name] = a; }))
            return;
        var tasks = new List<Task>();
        foreach (var app in apps)
        {
            foreach (var node in HostsOf(app))
            {
                if (index is { } i && app.Where.GetValueOrDefault(i) != node) continue;
                tasks.Add(AskHost(node, new InstanceOp(app.Spec.Name, op, index is null ? null : [index.Value], signal), app.Spec));
            }
        }
        var what = index is null ? string.Join(", ", apps.Select(a => a.Spec.Name)) : $"{apps[0].Spec.Name}:{index}";
        var done = op switch
        {
            "stop" => $"stopped {what}", "start" => $"started {what}", "disconnect" => $"disconnected {what}",
            "reset" => $"reset the restart counters of {what}", "signal" => $"sent {signal} to {what}", _ => $"restarted {what}",
        };
        ReplyAfter(tasks, apps.Count == 0 ? "no apps" : done, apps.Count == 1 ? apps[0].Spec.Name : null);
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
        var tasks = _hosts.Keys.Select(h => ApplyTo(h, updated)).ToList();
        var sender = Sender;
        var self = Self;
        Task.WhenAll(tasks).ContinueWith(t =>
        {
            if (t.IsFaulted) sender.Tell(new Failed($"updated {spec.Name}, but a host could not apply it: {t.Exception!.GetBaseException().Message}", 500));
            else self.Tell(new Restart(spec.Name), sender);
        });
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
        var tasks = apps.SelectMany(a => _hosts.Keys.Select(h => AskHost(h, new RemoveApp(a.Spec.Name), a.Spec))).ToList();
        ReplyAfter(tasks, apps.Count == 0 ? "no apps" : $"deleted {string.Join(", ", apps.Select(a => a.Spec.Name))}", null);
    }

    private void OnScale(Scale m)
    {
        if (!_apps.TryGetValue(m.App, out var app))
        {
            Sender.Tell(Unknown(m.App));
            return;
        }
        var text = m.Count.Trim();
        var relative = text.StartsWith('+') || text.StartsWith('-');
        if (!int.TryParse(text, out var n))
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: expected N, +N or -N", 400));
            return;
        }
        var target = relative ? app.Spec.Instances + n : n;
        if (target < 1 || target > 1024)
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: would leave {target} instances; the count must stay between 1 and 1024 (pbm stop {m.App} stops them all)", 400));
            return;
        }
        var scaled = PlaceApp(app with { Spec = app.Spec with { Instances = target } });
        if (!Commit(() => _apps[m.App] = scaled, () => _apps[m.App] = app)) return;
        ReplyAfter(HostsOf(app).Union(HostsOf(scaled)).Select(h => ApplyTo(h, scaled)).ToList(), $"scaled {m.App} from {app.Spec.Instances} to {target}", m.App);
    }

    private void OnSave(Save m)
    {
        try
        {
            StateStore.Write(m.Path, _apps.Values);
            Sender.Tell(new DumpResult(m.Path, _apps.Keys.Order().ToList()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Sender.Tell(new Failed($"cannot write {m.Path}: {e.Message}", 500));
        }
    }

    private void OnResurrect(Resurrect m)
    {
        if (!File.Exists(m.Path))
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
        var tasks = added.SelectMany(a => HostsOf(a).Select(h => ApplyTo(h, a))).ToList();
        var sender = Sender;
        var names = added.Select(a => a.Spec.Name).Order(StringComparer.Ordinal).ToList();
        Task.WhenAll(tasks).ContinueWith(_ => new DumpResult(m.Path, names) { Warnings = dumped.Problems }).PipeTo(sender);
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
        var tasks = apps.SelectMany(a => _hosts.Keys.Select(h => AskHost(h, new RemoveApp(a.Spec.Name), a.Spec))).ToList();
        Task.WhenAll(tasks).ContinueWith(_ => new OperationResult($"stopped {apps.Count} apps", [])).PipeTo(Sender);
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

    private Task ApplyTo(string node, AppRecord app) =>
        AskHost(node, new ApplyApp(app.Spec, app.IndicesOn(node), app.Running), app.Spec);

    /// <summary>Asks a host; its HostFailed answer (or silence) fails the task with the host's words.</summary>
    private Task AskHost(string node, object message, AppSpec spec)
    {
        if (!_hosts.TryGetValue(node, out var agent)) return Task.CompletedTask;
        return agent.Ask<object>(message, TimeSpan.FromMilliseconds(spec.KillTimeoutMs) * 2 + TimeSpan.FromSeconds(30))
            .ContinueWith(t => t.Result is HostFailed f ? throw new InvalidOperationException(f.Error) : t.Result);
    }

    private void ReplyAfter(IReadOnlyList<Task> tasks, string message, string? app, IActorRef? replyTo = null)
    {
        var sender = replyTo ?? Sender;
        var hosts = ReachableHosts();
        var timeout = _settings.AskTimeout;
        Task.WhenAll(tasks).ContinueWith(async t =>
        {
            var (instances, _, _) = await CollectAsync(hosts, app, timeout).ConfigureAwait(false);
            if (t.IsFaulted)
            {
                var cause = t.Exception!.GetBaseException();
                return cause is AskTimeoutException
                    ? (object)new Failed($"{message}, but a host did not confirm in time", 504)
                    : new Failed($"failed: {cause.Message}", 500);
            }
            return new OperationResult(message, instances);
        }).Unwrap().PipeTo(sender);
    }

    private void ReplyList(string? app)
    {
        var records = _apps.Values.OrderBy(a => a.Spec.Name).ToList();
        var warnings = _warnings.ToList();
        var rollouts = new Dictionary<string, RolloutInfo>(_rollouts);
        CollectAsync(ReachableHosts(), app, ListTimeout)
            .ContinueWith(t => new ListResult(records.Select(r => ToInfoSnapshot(r, t.Result.Instances, rollouts, t.Result.Answered)).ToList(), warnings) { Hosts = t.Result.Hosts })
            .PipeTo(Sender);
    }

    /// <summary>
    /// The host agents worth asking: not those on a member the failure detector already marks unreachable (their
    /// instances are listed as unknown at once), so that every `pbm list` during a failover answers in
    /// milliseconds instead of waiting out <see cref="ListTimeout"/> for a host that is gone.
    /// </summary>
    private List<(IActorRef Agent, Task Gone)> ReachableHosts()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var unreachable = cluster.State.Unreachable.Select(m => m.Address).ToHashSet();
        return _hosts
            .Where(h => !unreachable.Contains(h.Value.Path.Address.HasLocalScope ? cluster.SelfAddress : h.Value.Path.Address))
            .Select(h => (h.Value, _goneSignals.TryGetValue(h.Key, out var gone) ? gone.Task : Task.Delay(Timeout.Infinite)))
            .ToList();
    }

    /// <summary>A list must answer while a host is dying: a host that says nothing within this is shown as unknown.</summary>
    private TimeSpan ListTimeout => _settings.AskTimeout < TimeSpan.FromSeconds(5) ? _settings.AskTimeout : TimeSpan.FromSeconds(5);

    private void ReplyApp(string app)
    {
        var record = _apps[app];
        var rollouts = new Dictionary<string, RolloutInfo>(_rollouts);
        CollectAsync(ReachableHosts(), app, ListTimeout)
            .ContinueWith(t => ToInfoSnapshot(record, t.Result.Instances, rollouts, t.Result.Answered) with { Hosts = t.Result.Hosts })
            .PipeTo(Sender);
    }

    // Runs on a continuation thread: it must only read the snapshot it is given, never the actor's fields.
    private static AppInfo ToInfoSnapshot(AppRecord record, IReadOnlyList<InstanceInfo> all, IReadOnlyDictionary<string, RolloutInfo> rollouts,
        IReadOnlySet<string>? answered = null) => new()
    {
        Spec = record.Spec,
        Running = record.Running,
        Instances = all.Where(i => i.App == record.Spec.Name)
            .Concat(Enumerable.Range(0, record.Spec.Instances).Where(i => !record.Where.ContainsKey(i)).Select(i => new InstanceInfo
            {
                Id = $"{record.Spec.Name}:{i}", App = record.Spec.Name, Index = i, PmId = PmIdOf(record, i), Host = "-", Status = InstanceStatus.Pending,
                Reason = "no host can run it: none registered, or none allowed by --hosts / --max-per-host", Version = record.Spec.Version,
            }))
            // Placed on a host that did not answer (dying, partitioned): shown, not silently left out.
            .Concat(answered is null ? [] : record.Where
                .Where(kv => !answered.Contains(kv.Value) && !all.Any(i => i.App == record.Spec.Name && i.Index == kv.Key))
                .Select(kv => new InstanceInfo
                {
                    Id = $"{record.Spec.Name}:{kv.Key}", App = record.Spec.Name, Index = kv.Key, PmId = PmIdOf(record, kv.Key), Host = kv.Value, Status = InstanceStatus.Unknown,
                    Reason = $"host {kv.Value} did not answer", Version = record.Spec.Version,
                }))
            .OrderBy(i => i.Index).ThenBy(i => i.Status == InstanceStatus.Disconnected).ToList(),
        Rollout = rollouts.GetValueOrDefault(record.Spec.Name),
        PreviousVersion = record.Previous?.Version,
    };

    private static int? PmIdOf(AppRecord record, int index) =>
        record.Spec.InstanceIds is { } ids && ids.TryGetValue(index, out var id) ? id : null;

    private static async Task<(IReadOnlyList<InstanceInfo> Instances, IReadOnlyList<HostStats> Hosts, IReadOnlySet<string> Answered)> CollectAsync(IReadOnlyList<(IActorRef Agent, Task Gone)> hosts, string? app, TimeSpan timeout)
    {
        var asks = hosts.Select(h => h.Agent.Ask<HostInstances>(new ListInstances(app), timeout)).ToList();
        // A host that is declared gone while we wait stops being waited for (it would only time out).
        await Task.WhenAll(asks.Select((ask, i) => Task.WhenAny(ask, hosts[i].Gone))).ConfigureAwait(false);
        var answered = asks.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result).ToList();
        return (answered.SelectMany(a => a.Instances).ToList(), answered.Where(a => a.Stats is not null).Select(a => a.Stats!).ToList(),
            answered.Select(a => a.Node).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// A rolling replacement: reload (same spec), deploy (a new spec, version + 1) or rollback (the previous
    /// spec). One at a time per app. The desired spec changes only when every host completed: a halted rollout
    /// leaves the old version as the desired one, so a restart of the daemon never brings the broken one back.
    /// </summary>
    private void Roll(string kind, string app, AppSpec? deployed, int parallel)
    {
        if (!_apps.TryGetValue(app, out var record))
        {
            Sender.Tell(Unknown(app));
            return;
        }
        if (_rollouts.TryGetValue(app, out var current) && current.State == "running")
        {
            Sender.Tell(new Failed($"a {current.Kind} of {app} is already running ({current.Replaced}/{current.Total} replaced); wait for it to finish", 409));
            return;
        }
        if (!record.Running)
        {
            Sender.Tell(new Failed($"{app} is stopped: pbm start {app} first", 409));
            return;
        }
        AppSpec target;
        switch (kind)
        {
            case "deploy":
                target = deployed! with { Name = app, Instances = record.Spec.Instances, Version = record.Spec.Version + 1, InstanceIds = record.Spec.InstanceIds };
                break;
            case "rollback":
                if (record.Previous is null)
                {
                    Sender.Tell(new Failed($"{app} has no previous version to roll back to", 409));
                    return;
                }
                target = record.Previous with { Instances = record.Spec.Instances, Version = record.Spec.Version + 1, InstanceIds = record.Spec.InstanceIds };
                break;
            default:
                target = record.Spec;
                break;
        }
        var total = record.Spec.Instances;
        _rollouts[app] = new RolloutInfo(kind, "running", record.Spec.Version, target.Version, 0, total, null, DateTimeOffset.UtcNow);
        var asks = _hosts.Values.Select(h => h.Ask<HostRollout>(new ReloadApp(target, parallel), TimeSpan.FromHours(1))).ToList();
        var sender = Sender;
        var self = Self;
        Task.WhenAll(asks).ContinueWith(t =>
        {
            var results = asks.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result).ToList();
            var failure = t.IsFaulted ? t.Exception!.GetBaseException().Message : results.FirstOrDefault(r => !r.Completed)?.Reason;
            self.Tell(new RolloutFinished(kind, app, target, results.Sum(r => r.Replaced), failure, sender));
        });
    }

    private void OnRolloutFinished(RolloutFinished m)
    {
        if (!_apps.TryGetValue(m.App, out var record))
        {
            m.ReplyTo.Tell(new Failed($"{m.App} was deleted during the {m.Kind}", 409));
            return;
        }
        var info = _rollouts[m.App];
        if (m.Failure is not null)
        {
            _rollouts[m.App] = info with { State = "halted", Replaced = m.Replaced, Reason = m.Failure, At = DateTimeOffset.UtcNow };
            _log.Warning("{0} of {1} halted: {2}", m.Kind, m.App, m.Failure);
            m.ReplyTo.Tell(new Failed($"{m.Kind} of {m.App} halted after {m.Replaced} of {info.Total} instances: {m.Failure}; the other instances still run v{record.Spec.Version}", 500));
            return;
        }
        _rollouts[m.App] = info with { State = "done", Replaced = m.Replaced, At = DateTimeOffset.UtcNow };
        if (m.Kind != "reload")
        {
            var updated = record with { Spec = m.Target, Previous = record.Spec };
            _apps[m.App] = updated;
            try
            {
                Persist();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Error(e, "could not save state after the {0} of {1}", m.Kind, m.App);
            }
        }
        var past = m.Kind switch { "deploy" => "deployed", "rollback" => "rolled back", _ => "reloaded" };
        ReplyAfter([], $"{past} {m.App}: {m.Replaced} instance{(m.Replaced == 1 ? "" : "s")} replaced, now v{_apps[m.App].Spec.Version}", m.App, m.ReplyTo);
    }

    private sealed record RolloutFinished(string Kind, string App, AppSpec Target, int Replaced, string? Failure, IActorRef ReplyTo);

    private sealed record HostInitialised(string Node);
}
