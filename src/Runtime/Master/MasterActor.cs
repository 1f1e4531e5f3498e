using Akka.Actor;
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
internal sealed class MasterActor : ReceiveActor
{
    private readonly PbmSettings _settings;
    private readonly StateStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, AppRecord> _apps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _hosts = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = [];
    private readonly HashSet<string> _initialised = [];

    public MasterActor(PbmSettings settings, StateStore store, IReadOnlyList<string> startupWarnings)
    {
        _settings = settings;
        _store = store;
        _warnings.AddRange(startupWarnings);

        Receive<RegisterHost>(OnRegister);
        Receive<Terminated>(t =>
        {
            var node = _hosts.FirstOrDefault(h => h.Value.Equals(t.ActorRef)).Key;
            if (node is null) return;
            _hosts.Remove(node);
            _log.Warning("host {0} left; its instances are no longer supervised here", node);
        });
        Receive<GetReadiness>(_ => Sender.Tell(new Readiness(_hosts.Count > 0 && _initialised.Count > 0, _warnings.ToList())));
        Receive<GetApps>(_ => ReplyList(null));
        Receive<GetApp>(m => WithTarget(m.Target, (apps, _) => ReplyApp(apps[0].Spec.Name), allowAll: false));
        Receive<StartApp>(OnStartApp);
        Receive<StartExisting>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "start", running: true)));
        Receive<Stop>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "stop", running: index is null ? false : null)));
        Receive<Restart>(m => WithTarget(m.Target, (apps, index) => Operate(apps, index, "restart", running: true)));
        Receive<Delete>(m => WithTarget(m.Target, OnDelete));
        Receive<Scale>(OnScale);
        Receive<Save>(OnSave);
        Receive<Resurrect>(OnResurrect);
        Receive<KillAll>(_ => OnKillAll());
        Receive<HostInitialised>(h => _initialised.Add(h.Node));
    }

    public static Props Props(PbmSettings settings, StateStore store, IReadOnlyList<string> warnings) =>
        Akka.Actor.Props.Create(() => new MasterActor(settings, store, warnings));

    protected override void PreStart()
    {
        var loaded = _store.Load(out var warning);
        foreach (var app in loaded) _apps[app.Spec.Name] = app;
        if (warning is not null)
        {
            _warnings.Add(warning);
            _log.Error("{0}", warning);
        }
        _log.Info("master started with {0} apps from {1}", _apps.Count, _store.Path);
    }

    private void OnRegister(RegisterHost m)
    {
        Sender.Tell(new HostRegistered(m.Node));
        if (_hosts.TryGetValue(m.Node, out var known) && known.Equals(m.Agent)) return;
        _hosts[m.Node] = m.Agent;
        Context.Watch(m.Agent);
        _log.Info("host {0} registered ({1} apps to place)", m.Node, _apps.Count);
        var tasks = _apps.Values.Select(a => ApplyTo(m.Node, a)).ToList();
        var self = Self;
        var node = m.Node;
        Task.WhenAll(tasks).ContinueWith(_ => new HostInitialised(node)).PipeTo(self);
    }

    private void OnStartApp(StartApp m)
    {
        if (_apps.ContainsKey(m.Spec.Name))
        {
            Sender.Tell(new Failed($"app '{m.Spec.Name}' already exists: use pbm restart {m.Spec.Name}, or pbm delete {m.Spec.Name} first", 409));
            return;
        }
        var record = new AppRecord(m.Spec with { Version = 1 }, true);
        if (!Commit(() => _apps[record.Spec.Name] = record, () => _apps.Remove(record.Spec.Name))) return;
        ReplyAfter(_hosts.Keys.Select(h => ApplyTo(h, record)).ToList(),
            $"started {record.Spec.Name} ({record.Spec.Instances} instance{(record.Spec.Instances == 1 ? "" : "s")})", record.Spec.Name);
    }

    private void Operate(IReadOnlyList<AppRecord> apps, int? index, string op, bool? running)
    {
        var changed = running is { } r ? apps.Where(a => a.Running != r).ToList() : [];
        if (changed.Count > 0 &&
            !Commit(() => { foreach (var a in changed) _apps[a.Spec.Name] = a with { Running = running!.Value }; },
                    () => { foreach (var a in changed) _apps[a.Spec.Name] = a; }))
            return;
        var tasks = new List<Task>();
        foreach (var app in apps)
        {
            var placement = Placement.Spread(app.Spec.Instances, _hosts.Keys);
            foreach (var (node, indices) in placement)
            {
                if (index is { } i && !indices.Contains(i)) continue;
                tasks.Add(AskHost(node, new InstanceOp(app.Spec.Name, op, index is null ? null : [index.Value]), app.Spec));
            }
        }
        var what = index is null ? string.Join(", ", apps.Select(a => a.Spec.Name)) : $"{apps[0].Spec.Name}:{index}";
        var past = op switch { "stop" => "stopped", "start" => "started", _ => "restarted" };
        ReplyAfter(tasks, apps.Count == 0 ? "no apps" : $"{past} {what}", apps.Count == 1 ? apps[0].Spec.Name : null);
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
        var scaled = app with { Spec = app.Spec with { Instances = target } };
        if (!Commit(() => _apps[m.App] = scaled, () => _apps[m.App] = app)) return;
        ReplyAfter(_hosts.Keys.Select(h => ApplyTo(h, scaled)).ToList(), $"scaled {m.App} from {app.Spec.Instances} to {target}", m.App);
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
        IReadOnlyList<AppRecord> dumped;
        try
        {
            dumped = StateStore.Read(m.Path);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or IOException)
        {
            Sender.Tell(new Failed($"cannot read dump {m.Path}: {e.Message.Split('\n')[0]}", 400));
            return;
        }
        var added = dumped.Where(a => !_apps.ContainsKey(a.Spec.Name)).ToList();
        if (!Commit(() => { foreach (var a in added) _apps[a.Spec.Name] = a; },
                    () => { foreach (var a in added) _apps.Remove(a.Spec.Name); }))
            return;
        var tasks = added.SelectMany(a => _hosts.Keys.Select(h => ApplyTo(h, a))).ToList();
        var sender = Sender;
        var names = added.Select(a => a.Spec.Name).Order(StringComparer.Ordinal).ToList();
        Task.WhenAll(tasks).ContinueWith(_ => new DumpResult(m.Path, names)).PipeTo(sender);
    }

    private void OnKillAll()
    {
        var apps = _apps.Values.ToList();
        _apps.Clear();
        try
        {
            _store.Save([]);
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
            _store.Save(_apps.Values);
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

    private Task ApplyTo(string node, AppRecord app)
    {
        var placement = Placement.Spread(app.Spec.Instances, _hosts.Keys);
        var indices = placement.TryGetValue(node, out var list) ? list : [];
        return AskHost(node, new ApplyApp(app.Spec, indices, app.Running), app.Spec);
    }

    private Task AskHost(string node, object message, AppSpec spec) =>
        _hosts.TryGetValue(node, out var agent)
            ? agent.Ask<HostDone>(message, TimeSpan.FromMilliseconds(spec.KillTimeoutMs) + TimeSpan.FromSeconds(30))
            : Task.CompletedTask;

    private void ReplyAfter(IReadOnlyList<Task> tasks, string message, string? app)
    {
        var sender = Sender;
        var hosts = _hosts.Values.ToList();
        var timeout = _settings.AskTimeout;
        Task.WhenAll(tasks).ContinueWith(async t =>
        {
            var (instances, _) = await CollectAsync(hosts, app, timeout).ConfigureAwait(false);
            if (t.IsFaulted)
                return (object)new Failed($"{message}, but a host did not confirm in time: {t.Exception!.InnerException?.Message}", 504);
            return new OperationResult(message, instances);
        }).Unwrap().PipeTo(sender);
    }

    private void ReplyList(string? app)
    {
        var records = _apps.Values.OrderBy(a => a.Spec.Name).ToList();
        var warnings = _warnings.ToList();
        CollectAsync(_hosts.Values.ToList(), app, _settings.AskTimeout)
            .ContinueWith(t => new ListResult(records.Select(r => ToInfo(r, t.Result.Instances)).ToList(), warnings) { Hosts = t.Result.Hosts })
            .PipeTo(Sender);
    }

    private void ReplyApp(string app)
    {
        var record = _apps[app];
        CollectAsync(_hosts.Values.ToList(), app, _settings.AskTimeout)
            .ContinueWith(t => ToInfo(record, t.Result.Instances) with { Hosts = t.Result.Hosts })
            .PipeTo(Sender);
    }

    private static AppInfo ToInfo(AppRecord record, IReadOnlyList<InstanceInfo> all) => new()
    {
        Spec = record.Spec,
        Running = record.Running,
        Instances = all.Where(i => i.App == record.Spec.Name).OrderBy(i => i.Index).ToList(),
    };

    private static async Task<(IReadOnlyList<InstanceInfo> Instances, IReadOnlyList<HostStats> Hosts)> CollectAsync(IReadOnlyList<IActorRef> hosts, string? app, TimeSpan timeout)
    {
        var asks = hosts.Select(h => h.Ask<HostInstances>(new ListInstances(app), timeout)).ToList();
        try
        {
            await Task.WhenAll(asks).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // An unreachable host contributes nothing; the others still answer.
        }
        var answered = asks.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result).ToList();
        return (answered.SelectMany(a => a.Instances).ToList(), answered.Where(a => a.Stats is not null).Select(a => a.Stats!).ToList());
    }

    private sealed record HostInitialised(string Node);

    public sealed record GetReadiness
    {
        public static readonly GetReadiness Instance = new();
    }

    public sealed record Readiness(bool Ready, IReadOnlyList<string> Warnings);
}
