using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Processes;
using static Pbm.Runtime.Messages.SupervisorProtocol;
using static Pbm.Runtime.Messages.WorkerProtocol;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// Supervises the ProcessWorkers of one app on one host. Its <see cref="SupervisorStrategy"/> is the app's
/// restart policy: a worker whose process exited fails, and the strategy restarts it (at once after a stable
/// run, with exponential backoff after an unstable one), stops it (autorestart off, a stop exit code), or
/// stops it as errored after max-restarts unstable starts in a row. It also runs rolling reloads: a new
/// worker per instance, swapped in once ready and stable; a new worker that fails halts the rollout (the
/// strategy stops it instead of restarting it) and the old ones keep serving. It keeps every instance's
/// record (restarts, last exit, reason, recent events) so `pbm list` answers without asking the workers; metrics
/// and log drop counts are read from the node's shared boards. A worker over --max-memory is restarted gracefully.
/// </summary>
internal sealed class AppSupervisor : ReceiveActor, IWithTimers
{
    private readonly PbmSettings _settings;
    private readonly Logs.LogHub _logs;
    private readonly Metrics.MetricsBoard _metrics;
    private readonly PidRegistry _pids;
    private readonly TreeTracking _trees;
    private readonly string _node;
    private readonly PbmGateway? _gateway;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<int, InstanceSlot> _slots = [];
    private readonly Dictionary<IActorRef, InstanceInfo> _disconnected = [];
    private readonly Random _random = new();
    private readonly List<(HashSet<int> Pending, IActorRef ReplyTo)> _launchWaiters = [];
    private AppSpec _spec;
    private RestartPolicy _policy;
    private Rollout? _rollout;

    public AppSupervisor(AppSpec spec, PbmSettings settings, Logs.LogHub logs, Metrics.MetricsBoard metrics, PidRegistry pids, TreeTracking trees, string node, PbmGateway? gateway)
    {
        _spec = spec;
        _settings = settings;
        _policy = settings.PolicyFor(spec);
        _logs = logs;
        _metrics = metrics;
        _pids = pids;
        _trees = trees;
        _node = node;
        _gateway = gateway;

        Receive<Apply>(OnApply);
        Receive<StopInstances>(m => AwaitWorkers(Selected(m.Indices).Where(s => s.Worker is not null), WorkerProtocol.Stop.Instance));
        Receive<StartInstances>(m => OnStart(m.Indices));
        Receive<RestartInstances>(m => OnRestart(m.Indices));
        Receive<RestartRunning>(m => OnRestart(_slots.Values
            .Where(s => (s.Worker is not null && s.Status is InstanceStatus.Online or InstanceStatus.Launching or InstanceStatus.WaitingRestart)
                        || (m.Finished && s.Worker is null && s.Finished))
            .Select(s => s.Index).ToList()));
        Receive<ReloadCurrent>(m => OnReload(new Reload(_spec, m.Parallel)));
        Receive<Shutdown>(_ => OnShutdown());
        Receive<GetInstances>(_ => Sender.Tell(new Instances(_spec.Name,
            _slots.Values.OrderBy(s => s.Index).Select(Info).Concat(_disconnected.Values).ToList())));
        Receive<InstanceUpdated>(OnUpdated);
        Receive<MemoryExceeded>(OnMemoryExceeded);
        Receive<WorkerStopped>(_ => { });
        Receive<AwaitLaunch>(m =>
        {
            _launchWaiters.Add((m.Indices.ToHashSet(), m.ReplyTo));
            Settle();
        });
        Receive<Reload>(OnReload);
        Receive<SurgeStable>(OnSurgeStable);
        Receive<BatchSwapped>(_ => NextBatch());
        Receive<DisconnectInstance>(OnDisconnect);
        Receive<ResetInstances>(m =>
        {
            foreach (var slot in Selected(m.Indices))
            {
                slot.Restarts = 0;
                slot.Unstable = 0;
                slot.Record("restart counters reset", Keep);
            }
            Sender.Tell(new Done(_spec.Name));
        });
        Receive<SignalInstances>(m =>
        {
            foreach (var slot in Selected(m.Indices).Where(s => s.Worker is not null && s.Pid is not null))
            {
                slot.Record($"{m.Signal} sent to pid {slot.Pid}", Keep);
                slot.Worker!.Tell(new WorkerProtocol.SendSignal(m.Signal));
            }
            Sender.Tell(new Done(_spec.Name));
        });
        Receive<Respawn>(OnRespawn);
        Receive<Terminated>(t =>
        {
            foreach (var slot in _slots.Values.Where(s => Equals(s.Worker, t.ActorRef))) slot.Worker = null;
            _disconnected.Remove(t.ActorRef);
            if (_rollout?.IndexOf(t.ActorRef) is { } i && !_rollout.Surge[i].Stable) HaltRollout($"the new instance {_spec.Name}:{i} stopped");
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AppSpec spec, PbmSettings settings, Logs.LogHub logs, Metrics.MetricsBoard metrics, PidRegistry pids, TreeTracking trees, string node, PbmGateway? gateway = null) =>
        Akka.Actor.Props.Create(() => new AppSupervisor(spec, settings, logs, metrics, pids, trees, node, gateway));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeMilliseconds: -1, localOnlyDecider: Decide, loggingEnabled: false);

    private Directive Decide(Exception failure)
    {
        if (failure is not ProcessExitedException e)
        {
            // A bug in the worker itself: restart it after a pause rather than spin.
            _log.Error(failure, "{0}: worker failed unexpectedly; restarting it in 1 s", _spec.Name);
            return Directive.Restart;
        }
        if (_rollout?.IndexOf(e.WorkerId) is { } surgeIndex && !_rollout.Surge[surgeIndex].Stable)
        {
            // A new version that dies or never gets ready is not restarted: the rollout halts.
            var why = e.Exit.Detail is { } d && e.StartFailed ? d : $"exited with code {e.Exit.Code}{(e.Exit.Signal is null ? "" : $" ({e.Exit.Signal})")} after {e.Exit.UptimeMs} ms" +
                                                                     (e.Exit.Detail is null ? "" : $": {e.Exit.Detail}");
            HaltRollout($"new instance {_spec.Name}:{surgeIndex} (v{_rollout.Spec.Version}) failed: {why}");
            return Directive.Stop;
        }
        var slot = _slots.Values.FirstOrDefault(s => s.WorkerId == e.WorkerId);
        if (slot is null) return Directive.Stop;
        slot.LastExit = e.Exit;
        slot.Pid = null;
        if (e.Pid is { } exitedPid) slot.ExitedPid = exitedPid;
        slot.Record(e.StartFailed
            ? $"failed to start: {e.Exit.Detail}"
            : $"exited with code {e.Exit.Code}{(e.Exit.Signal is null ? "" : $" ({e.Exit.Signal})")} after {e.Exit.UptimeMs} ms", Keep);
        var uptime = e.StartFailed ? TimeSpan.Zero : TimeSpan.FromMilliseconds(e.Exit.UptimeMs);
        var decision = _policy.Decide(slot.Unstable, e.Exit.Code, uptime, _random.NextDouble());
        slot.Unstable = decision.Unstable;
        switch (decision.Action)
        {
            case RestartDecision.Kind.Restart:
                slot.Restarts++;
                slot.Reason = null;
                e.NextStartDelay = decision.Delay;
                slot.Status = decision.Delay > TimeSpan.Zero ? InstanceStatus.WaitingRestart : InstanceStatus.Launching;
                slot.NextStartAt = DateTimeOffset.UtcNow + decision.Delay;
                slot.Record($"restart #{slot.Restarts} in {(int)decision.Delay.TotalMilliseconds} ms (unstable starts in a row: {decision.Unstable})", Keep);
                _log.Info("{0}:{1} restart #{2} in {3} ms (unstable starts in a row: {4})",
                    _spec.Name, e.Index, slot.Restarts, (int)decision.Delay.TotalMilliseconds, decision.Unstable);
                return Directive.Restart;
            case RestartDecision.Kind.Stop:
                slot.Status = InstanceStatus.Stopped;
                slot.Finished = true;
                slot.Reason = decision.Reason;
                _log.Info("{0}:{1} not restarted: {2}", _spec.Name, e.Index, decision.Reason);
                slot.Record($"not restarted: {decision.Reason}", Keep);
                Settle();
                return Directive.Stop;
            default:
                slot.Status = InstanceStatus.Errored;
                slot.Finished = true;
                slot.Reason = decision.Reason;
                _log.Warning("{0}:{1} errored: {2}; last exit code {3}", _spec.Name, e.Index, decision.Reason, e.Exit.Code);
                slot.Record($"errored: {decision.Reason}", Keep);
                Settle();
                return Directive.Stop;
        }
    }

    private void OnApply(Apply m)
    {
        if (_rollout is null)
        {
            _spec = m.Spec;
            _policy = _settings.PolicyFor(_spec);
        }
        var wanted = m.Indices.ToHashSet();
        var removed = _slots.Values.Where(s => !wanted.Contains(s.Index)).ToList();
        foreach (var slot in removed) _slots.Remove(slot.Index);
        foreach (var index in wanted.Where(i => !_slots.ContainsKey(i)))
        {
            var slot = new InstanceSlot(index);
            _slots[index] = slot;
            if (m.Running) Spawn(slot);
            else slot.Status = InstanceStatus.Stopped;
        }
        if (!m.Running)
        {
            foreach (var slot in _slots.Values.Where(s => s.Worker is null && s.Status != InstanceStatus.Stopped))
                slot.Status = InstanceStatus.Stopped;
        }

        var stopping = m.Running ? removed : removed.Concat(_slots.Values).ToList();
        var timeout = StopTimeout;
        var tasks = stopping.Where(s => s.Worker is not null)
            .Select(s => (removed.Contains(s), s.Worker!, s.Worker!.Ask<WorkerStopped>(WorkerProtocol.Stop.Instance, timeout)))
            .ToList();
        if (!m.Running) tasks.AddRange(_disconnected.Keys.Select(w => (true, w, w.Ask<WorkerStopped>(WorkerProtocol.Stop.Instance, timeout))));
        var launching = m.Running ? _slots.Values.Where(s => s.Status == InstanceStatus.Launching).Select(s => s.Index).ToList() : [];
        var sender = Sender;
        Task.WhenAll(tasks.Select(t => t.Item3)).ContinueWith(_ =>
        {
            foreach (var (isRemoved, worker, _) in tasks)
                if (isRemoved) worker.Tell(PoisonPill.Instance);
            return new AwaitLaunch(launching, sender);
        }).PipeTo(Self);
    }

    private void OnStart(IReadOnlyList<int>? indices)
    {
        var launching = new List<int>();
        foreach (var slot in Selected(indices))
        {
            slot.Unstable = 0;
            slot.Reason = null;
            if (slot.Worker is null) Spawn(slot);
            else if (slot.Status is InstanceStatus.Stopped or InstanceStatus.Stopping)
            {
                slot.Status = InstanceStatus.Launching;
                slot.Worker.Tell(WorkerProtocol.Start.Instance);
            }
            else continue;
            launching.Add(slot.Index);
        }
        Self.Tell(new AwaitLaunch(launching, Sender));
    }

    private void OnRestart(IReadOnlyList<int>? indices)
    {
        var running = new List<InstanceSlot>();
        var stale = new List<(int Index, IActorRef Worker)>();
        var all = new List<int>();
        foreach (var slot in Selected(indices))
        {
            slot.Unstable = 0;
            slot.Reason = null;
            slot.Restarts++;
            slot.Record("restart requested", Keep);
            all.Add(slot.Index);
            if (slot.Worker is null) Spawn(slot);
            // A worker runs the spec it was created with: after a spec change (restart --update-env) it is replaced.
            else if (slot.Version != _spec.Version) stale.Add((slot.Index, slot.Worker));
            else running.Add(slot);
        }
        if (stale.Count == 0)
        {
            AwaitWorkers(running, WorkerProtocol.Restart.Instance, all);
            return;
        }
        var sender = Sender;
        var self = Self;
        var timeout = StopTimeout;
        var tasks = running.Select(s => (Task)s.Worker!.Ask<WorkerStopped>(WorkerProtocol.Restart.Instance, timeout))
            .Concat(stale.Select(x => x.Worker.Ask<WorkerStopped>(WorkerProtocol.Stop.Instance, timeout)
                .ContinueWith(_ => self.Tell(new Respawn(x.Index, x.Worker)))))
            .ToList();
        Task.WhenAll(tasks).ContinueWith(_ => new AwaitLaunch(all, sender)).PipeTo(Self);
    }

    private void OnRespawn(Respawn m)
    {
        m.Old.Tell(PoisonPill.Instance);
        if (_slots.TryGetValue(m.Index, out var slot) && Equals(slot.Worker, m.Old)) Spawn(slot);
    }

    private void OnShutdown()
    {
        var app = _spec.Name;
        var self = Self;
        var workers = _slots.Values.Where(s => s.Worker is not null).Select(s => s.Worker!)
            .Concat(_disconnected.Keys)
            .Concat(_rollout?.Surge.Values.Select(s => s.Worker) ?? []);
        var tasks = workers.Select(w => w.Ask<WorkerStopped>(WorkerProtocol.Stop.Instance, StopTimeout)).ToList();
        var sender = Sender;
        Task.WhenAll(tasks).ContinueWith(_ =>
        {
            sender.Tell(new Done(app));
            self.Tell(PoisonPill.Instance);
        });
    }

    private void OnDisconnect(DisconnectInstance m)
    {
        if (!_slots.TryGetValue(m.Index, out var slot) || slot.Worker is null || slot.Status != InstanceStatus.Online)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException($"{_spec.Name}:{m.Index} is not online")));
            return;
        }
        var old = slot.Worker;
        _disconnected[old] = Info(slot) with { Status = InstanceStatus.Disconnected, Reason = "disconnected: out of the gateway, not supervised; pbm stop/delete ends it" };
        old.Tell(WorkerProtocol.Disconnect.Instance);
        _log.Info("{0}:{1} pid {2} disconnected; starting a replacement", _spec.Name, m.Index, slot.Pid);
        Spawn(slot);
        Self.Tell(new AwaitLaunch([slot.Index], Sender));
    }

    // ---- rolling reload ----

    private void OnReload(Reload m)
    {
        if (_rollout is not null)
        {
            Sender.Tell(new RolloutResult(_spec.Name, false, 0, 0, $"a rollout of {_spec.Name} is already running"));
            return;
        }
        var running = _slots.Values.Where(s => s.Worker is not null && s.Status is InstanceStatus.Online or InstanceStatus.Launching)
            .Select(s => s.Index).Order().ToList();
        _rollout = new Rollout(m.Spec, running, m.Parallel, Sender);
        _log.Info("{0}: rolling out v{1} over {2} instances, {3} at a time", _spec.Name, m.Spec.Version, running.Count, _rollout.Parallel);
        NextBatch();
    }

    private void NextBatch()
    {
        var rollout = _rollout;
        if (rollout is null) return;
        if (rollout.Pending.Count == 0)
        {
            // Done: the new spec is the app's spec from now on (idle slots start with it too).
            _spec = rollout.Spec;
            _policy = _settings.PolicyFor(_spec);
            rollout.ReplyTo.Tell(new RolloutResult(_spec.Name, true, rollout.Replaced, rollout.Total, null));
            _log.Info("{0}: rollout of v{1} done ({2} replaced)", _spec.Name, _spec.Version, rollout.Replaced);
            _rollout = null;
            return;
        }
        for (var n = 0; n < rollout.Parallel && rollout.Pending.Count > 0; n++)
        {
            var index = rollout.Pending.Dequeue();
            var id = Guid.NewGuid().ToString("N");
            var worker = Context.ActorOf(ProcessWorker.Props(rollout.Spec, index, _settings, _logs, _metrics, _pids, _trees, _gateway, id), $"{index}-{id[..12]}");
            Context.Watch(worker);
            rollout.Surge[index] = (worker, id, false);
        }
    }

    private void OnSurgeUpdated(int index, InstanceUpdated u)
    {
        if (_rollout is null) return;
        _rollout.Last[u.Worker] = u;
        if (u.Status != InstanceStatus.Online) return;
        // Ready and in the gateway: it must now stay up min-uptime before the old one goes.
        Timers.StartSingleTimer($"surge-{index}", new SurgeStable(index, u.Worker), _settings.PolicyFor(_rollout.Spec).MinUptime);
    }

    private void OnSurgeStable(SurgeStable m)
    {
        var rollout = _rollout;
        if (rollout is null || !rollout.Surge.TryGetValue(m.Index, out var surge) || !Equals(surge.Worker, m.Worker)) return;
        rollout.Surge[m.Index] = surge with { Stable = true };
        if (rollout.Surge.Values.Any(s => !s.Stable)) return;

        // The whole batch is ready and stable: swap each in, then drain and stop the old ones.
        var olds = new List<IActorRef>();
        foreach (var (index, (worker, id, _)) in rollout.Surge)
        {
            if (!_slots.TryGetValue(index, out var slot))
            {
                worker.Tell(WorkerProtocol.Stop.Instance);
                continue;
            }
            if (slot.Worker is { } old) olds.Add(old);
            slot.Worker = worker;
            slot.WorkerId = id;
            if (rollout.Last.TryGetValue(worker, out var last))
            {
                slot.Status = last.Status;
                slot.Pid = last.Pid;
                slot.StartedAt = last.StartedAt;
                slot.PrivatePort = last.PrivatePort;
                slot.Version = last.Version;
            }
            slot.Unstable = 0;
            slot.Reason = null;
            rollout.Replaced++;
        }
        rollout.Surge.Clear();
        var timeout = StopTimeout;
        var tasks = olds.Select(o => o.Ask<WorkerStopped>(WorkerProtocol.Stop.Instance, timeout)).ToList();
        Task.WhenAll(tasks).ContinueWith(_ =>
        {
            foreach (var o in olds) o.Tell(PoisonPill.Instance);
            return BatchSwapped.Instance;
        }).PipeTo(Self);
    }

    private void HaltRollout(string reason)
    {
        var rollout = _rollout;
        if (rollout is null) return;
        _rollout = null;
        foreach (var (index, (worker, _, _)) in rollout.Surge)
        {
            Timers.Cancel($"surge-{index}");
            worker.Tell(WorkerProtocol.Stop.Instance);
            worker.Tell(PoisonPill.Instance);
        }
        _log.Warning("{0}: rollout of v{1} halted after {2} of {3}: {4}", _spec.Name, rollout.Spec.Version, rollout.Replaced, rollout.Total, reason);
        rollout.ReplyTo.Tell(new RolloutResult(_spec.Name, false, rollout.Replaced, rollout.Total, reason));
    }

    // ---- bookkeeping ----

    /// <summary>Sends <paramref name="message"/> to each slot's worker; answers the sender once all confirmed and <paramref name="launching"/> left "launching".</summary>
    private void AwaitWorkers(IEnumerable<InstanceSlot> slots, object message, IReadOnlyList<int>? launching = null)
    {
        var sender = Sender;
        var tasks = slots.Select(s => s.Worker!.Ask<WorkerStopped>(message, StopTimeout)).ToList();
        Task.WhenAll(tasks).ContinueWith(_ => new AwaitLaunch(launching ?? [], sender)).PipeTo(Self);
    }

    /// <summary>Answers every waiter whose instances all left "launching" (online, waiting, errored, or gone).</summary>
    private void Settle()
    {
        for (var i = _launchWaiters.Count - 1; i >= 0; i--)
        {
            var (pending, replyTo) = _launchWaiters[i];
            pending.RemoveWhere(index => !_slots.TryGetValue(index, out var s) || s.Status != InstanceStatus.Launching);
            if (pending.Count > 0) continue;
            replyTo.Tell(new Done(_spec.Name));
            _launchWaiters.RemoveAt(i);
        }
    }

    private TimeSpan StopTimeout => TimeSpan.FromMilliseconds(_spec.KillTimeoutMs) * 2 + TimeSpan.FromSeconds(5);

    private IEnumerable<InstanceSlot> Selected(IReadOnlyList<int>? indices) =>
        indices is null ? _slots.Values.ToList() : indices.Where(_slots.ContainsKey).Select(i => _slots[i]).ToList();

    private void Spawn(InstanceSlot slot)
    {
        slot.Status = InstanceStatus.Launching;
        slot.Finished = false;
        slot.WorkerId = Guid.NewGuid().ToString("N");
        slot.Worker = Context.ActorOf(ProcessWorker.Props(_spec, slot.Index, _settings, _logs, _metrics, _pids, _trees, _gateway, slot.WorkerId), $"{slot.Index}-{slot.WorkerId[..12]}");
        Context.Watch(slot.Worker);
    }

    private int Keep => _settings.EventsKept;

    private void OnMemoryExceeded(MemoryExceeded m)
    {
        if (!_slots.TryGetValue(m.Index, out var slot) || !Equals(slot.Worker, m.Worker) || slot.Status != InstanceStatus.Online) return;
        slot.Restarts++;
        var text = $"memory {Client.Specs.ByteSize.Format(m.Rss)} over the limit of {Client.Specs.ByteSize.Format(m.Limit)}: graceful restart #{slot.Restarts}";
        slot.Record(text, Keep);
        _log.Warning("{0}:{1} {2}", _spec.Name, m.Index, text);
        m.Worker.Tell(WorkerProtocol.Restart.Instance);
    }

    private void OnUpdated(InstanceUpdated u)
    {
        if (_disconnected.TryGetValue(u.Worker, out var gone))
        {
            _disconnected[u.Worker] = gone with { Pid = u.Pid, Status = u.Status == InstanceStatus.Stopped ? InstanceStatus.Stopped : InstanceStatus.Disconnected };
            return;
        }
        if (_rollout?.IndexOf(u.Worker) is { } surgeIndex)
        {
            OnSurgeUpdated(surgeIndex, u);
            return;
        }
        if (!_slots.TryGetValue(u.Index, out var slot) || !Equals(slot.Worker, u.Worker)) return;
        if (u.Pid is { } pid && pid == slot.ExitedPid) return;
        if (u.Status != slot.Status || u.Pid != slot.Pid)
        {
            if (u.Status == InstanceStatus.Online) slot.Record($"started pid {u.Pid}", Keep);
            else if (u.Status == InstanceStatus.Stopping) slot.Record($"stopping pid {u.Pid} ({_spec.KillSignal})", Keep);
            else if (u.Status == InstanceStatus.Stopped && slot.Status != InstanceStatus.Stopped) slot.Record("stopped", Keep);
        }
        slot.Status = u.Status;
        slot.Pid = u.Pid;
        slot.StartedAt = u.StartedAt;
        slot.NextStartAt = u.NextStartAt;
        slot.PrivatePort = u.PrivatePort;
        slot.Version = u.Version;
        Settle();
    }

    /// <summary>The old worker of a restarted instance has stopped: replace it with one of the current spec.</summary>
    private sealed record Respawn(int Index, IActorRef Old);

    /// <summary>Answer <paramref name="ReplyTo"/> once these instances have left "launching".</summary>
    private sealed record AwaitLaunch(IReadOnlyList<int> Indices, IActorRef ReplyTo);

    private sealed record SurgeStable(int Index, IActorRef Worker);

    private sealed record BatchSwapped
    {
        public static readonly BatchSwapped Instance = new();
    }

    private InstanceInfo Info(InstanceSlot s)
    {
        var running = s.Status is InstanceStatus.Online or InstanceStatus.Stopping;
        var tree = running ? _metrics.Tree(s.Pid) : null;
        var logStats = _logs.PeekStats(_spec.Name, s.Index);
        return new InstanceInfo
        {
            Id = $"{_spec.Name}:{s.Index}",
            App = _spec.Name,
            Index = s.Index,
            PmId = _spec.InstanceIds is { } ids && ids.TryGetValue(s.Index, out var pmId) ? pmId : null,
            Host = _node,
            Status = s.Status,
            Pid = s.Pid,
            StartedAt = s.Status is InstanceStatus.Online or InstanceStatus.Stopping or InstanceStatus.Launching ? s.StartedAt : null,
            Restarts = s.Restarts,
            UnstableRestarts = s.Unstable,
            LastExit = s.LastExit,
            Reason = s.Reason,
            NextStartAt = s.Status == InstanceStatus.WaitingRestart ? s.NextStartAt : null,
            Version = s.Version,
            PrivatePort = s.PrivatePort,
            Cpu = tree is { } t ? Math.Round(t.Cpu, 1) : null,
            Memory = tree?.Rss,
            Processes = tree?.Processes,
            LogDropped = logStats?.Dropped ?? 0,
            LogError = logStats?.Error,
            Events = s.Events.ToList(),
        };
    }
}
