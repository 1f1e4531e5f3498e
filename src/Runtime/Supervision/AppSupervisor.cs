using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Processes;
using static Pbm.Runtime.Messages.HostProtocol;
using static Pbm.Runtime.Messages.SupervisorProtocol;
using static Pbm.Runtime.Messages.WorkerProtocol;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// Supervises the ProcessWorkers of one app on one host. Its <see cref="SupervisorStrategy"/> is the app's
/// restart policy: a worker whose process exited (or that stopped it over --max-memory) fails, and the strategy
/// restarts it (at once after a stable run, with exponential backoff after an unstable one, the delay sent to the
/// worker as <see cref="Relaunch"/>), stops it (autorestart off, a stop exit code), or stops it as errored after
/// max-restarts unstable starts in a row. A rolling reload is a child <see cref="Rollout"/> that drives it batch by
/// batch; its new workers are children of this actor, and one that fails is stopped, not restarted, which halts the
/// rollout. It keeps every instance's record (restarts, last exit, reason, recent events) so `pbm list` answers
/// without asking the workers; metrics and log drop counts are read from the node's shared boards.
/// It never waits: an operation that needs workers to stop or start first is a <see cref="PendingOp"/>, answered
/// (HostDone / HostFailed, straight to the requester) once they did.
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
    /// <summary>The new workers of a rollout's current batch, with their latest report.</summary>
    private readonly Dictionary<IActorRef, Candidate> _candidates = [];
    private AppSpec _spec;
    private RestartPolicy _policy;
    private IActorRef? _rollout;
    private bool _shuttingDown;
    private readonly List<IActorRef> _shutdownWaiters = [];
    private int _rollouts;
    private PendingOps? _pending;

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
        Receive<StopInstances>(m =>
        {
            var op = NewOp(Sender);
            foreach (var slot in Selected(m.Indices).Where(s => s.Worker is not null)) Ops.Stop(op, slot.Worker!, restart: false);
            Ops.Await(op, []);
        });
        Receive<StartInstances>(m => OnStart(m.Indices));
        Receive<RestartInstances>(m => OnRestart(m.Indices));
        Receive<RestartRunning>(m => OnRestart(_slots.Values
            .Where(s => (s.Worker is not null && s.Status is InstanceStatus.Online or InstanceStatus.Unhealthy or InstanceStatus.Launching or InstanceStatus.WaitingRestart)
                        || (m.Finished && s.Worker is null && s.Finished))
            .Select(s => s.Index).ToList()));
        Receive<Reload>(m => OnReload(m.Spec, m.Parallel));
        Receive<ReloadCurrent>(m => OnReload(_spec, m.Parallel));
        Receive<Shutdown>(_ => OnShutdown());
        Receive<GetInstances>(_ => Sender.Tell(new Instances(_spec.Name,
            _slots.Values.OrderBy(s => s.Index).Select(Info).Concat(_disconnected.Values).ToList())));
        Receive<InstanceUpdated>(OnUpdated);
        Receive<MemoryExceeded>(OnMemoryExceeded);
        Receive<HealthChanged>(OnHealthChanged);
        Receive<WorkerStopped>(w => Ops.Confirmed(w.Request));
        Receive<PendingOps.Deadline>(m =>
        {
            if (Ops.Expire(m) is var late and > 0)
                _log.Warning("{0}: {1} worker(s) did not confirm a stop within {2} s; going on", _spec.Name, late, StopTimeout.TotalSeconds);
        });
        Receive<DisconnectInstance>(OnDisconnect);
        Receive<ResetInstances>(m =>
        {
            foreach (var slot in Selected(m.Indices))
            {
                slot.Restarts = 0;
                slot.Unstable = 0;
                slot.Record("restart counters reset", Keep);
            }
            Done(Sender);
        });
        Receive<SignalInstances>(m =>
        {
            foreach (var slot in Selected(m.Indices).Where(s => s.Worker is not null && s.Pid is not null))
            {
                slot.Record($"{m.Signal} sent to pid {slot.Pid}", Keep);
                slot.Worker!.Tell(new WorkerProtocol.SendSignal(m.Signal));
            }
            Done(Sender);
        });
        Receive<Rollout.Launch>(OnLaunchCandidates);
        Receive<Rollout.SwapIn>(OnSwapIn);
        Receive<Rollout.Finished>(m =>
        {
            // Done: the new spec is the app's spec from now on (idle slots start with it too).
            _spec = m.Spec;
            _policy = _settings.PolicyFor(_spec);
        });
        Receive<Terminated>(t => OnTerminated(t.ActorRef));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The operations waiting on workers (created on first use: Timers is set after the constructor).</summary>
    private PendingOps Ops => _pending ??= new PendingOps(Timers,
        index => _slots.TryGetValue(index, out var s) && s.Status == InstanceStatus.Launching, () => StopTimeout);

    public static Props Props(AppSpec spec, PbmSettings settings, Logs.LogHub logs, Metrics.MetricsBoard metrics, PidRegistry pids, TreeTracking trees, string node, PbmGateway? gateway = null) =>
        Akka.Actor.Props.Create(() => new AppSupervisor(spec, settings, logs, metrics, pids, trees, node, gateway));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeMilliseconds: -1, localOnlyDecider: Decide, loggingEnabled: false);

    /// <summary>A request whose handling throws is answered with the error (the host agent then resumes this actor).</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e) when (message is IRequest)
        {
            Sender.Tell(new HostFailed(_node, _spec.Name, $"{message.GetType().Name.ToLowerInvariant()} of {_spec.Name} failed on {_node}: {e.Message}"));
            throw;
        }
    }

    protected override void PostStop()
    {
        foreach (var replyTo in (_pending?.Abandon() ?? []).Concat(_shutdownWaiters))
            replyTo.Tell(new HostFailed(_node, _spec.Name, $"{_spec.Name} was stopped on {_node} (removed, or its host is shutting down) before this finished"));
    }

    private Directive Decide(Exception failure)
    {
        if (failure is not ProcessExitedException e)
        {
            // A bug in the worker itself: it restarts after a pause rather than spin (see ProcessWorker.PostRestart).
            _log.Error(failure, "{0}: worker failed unexpectedly; restarting it in 1 s", _spec.Name);
            return Directive.Restart;
        }
        var why = e.OverMemory ? $"stopped for its {e.Exit.Detail} after {e.Exit.UptimeMs} ms"
            : e.Unhealthy ? $"stopped, {e.Exit.Detail}, after {e.Exit.UptimeMs} ms"
            : e.OomKilled ? $"{e.Exit.Detail!.Split('\n')[0]} (--memory-limit), after {e.Exit.UptimeMs} ms"
            : e.StartFailed ? $"failed to start: {e.Exit.Detail}"
            : $"exited with code {e.Exit.Code}{(e.Exit.Signal is null ? "" : $" ({e.Exit.Signal})")} after {e.Exit.UptimeMs} ms";
        if (_candidates.FirstOrDefault(c => c.Value.WorkerId == e.WorkerId) is { Key: not null } candidate)
        {
            // A new version that dies or never gets ready is not restarted: the rollout halts.
            var detail = e.StartFailed || e.Exit.Detail is null ? why : $"{why}: {e.Exit.Detail}";
            _rollout?.Tell(new Rollout.CandidateFailed(candidate.Value.Index, $"new instance {_spec.Name}:{candidate.Value.Index} (v{candidate.Value.Version}) failed: {detail}"));
            return Directive.Stop;
        }
        var slot = _slots.Values.FirstOrDefault(s => s.WorkerId == e.WorkerId);
        if (slot is null || _shuttingDown) return Directive.Stop;
        slot.LastExit = e.Exit;
        slot.Pid = null;
        if (e.Pid is { } exitedPid) slot.ExitedPid = exitedPid;
        slot.Record(why, Keep);
        var uptime = e.StartFailed ? TimeSpan.Zero : TimeSpan.FromMilliseconds(e.Exit.UptimeMs);
        var decision = _policy.Decide(slot.Unstable, e.OverMemory || e.Unhealthy ? null : e.Exit.Code, uptime, _random.NextDouble());
        slot.Unstable = decision.Unstable;
        switch (decision.Action)
        {
            case RestartDecision.Kind.Restart:
                slot.Restarts++;
                slot.Reason = null;
                slot.Status = decision.Delay > TimeSpan.Zero ? InstanceStatus.WaitingRestart : InstanceStatus.Launching;
                slot.NextStartAt = DateTimeOffset.UtcNow + decision.Delay;
                slot.Record($"restart #{slot.Restarts} in {(int)decision.Delay.TotalMilliseconds} ms (unstable starts in a row: {decision.Unstable})", Keep);
                _log.Info("{0}:{1} restart #{2} in {3} ms (unstable starts in a row: {4})",
                    _spec.Name, e.Index, slot.Restarts, (int)decision.Delay.TotalMilliseconds, decision.Unstable);
                // Queued now, read by the worker right after its restart: the delay is a message, not shared state.
                slot.Worker?.Tell(new Relaunch(decision.Delay));
                return Directive.Restart;
            case RestartDecision.Kind.Stop:
                slot.Status = InstanceStatus.Stopped;
                slot.Finished = true;
                slot.Reason = decision.Reason;
                _log.Info("{0}:{1} not restarted: {2}", _spec.Name, e.Index, decision.Reason);
                slot.Record($"not restarted: {decision.Reason}", Keep);
                Ops.SettleAll();
                return Directive.Stop;
            default:
                slot.Status = InstanceStatus.Errored;
                slot.Finished = true;
                slot.Reason = decision.Reason;
                _log.Warning("{0}:{1} errored: {2}; last exit code {3}", _spec.Name, e.Index, decision.Reason, e.Exit.Code);
                slot.Record($"errored: {decision.Reason}", Keep);
                Ops.SettleAll();
                return Directive.Stop;
        }
    }

    private void OnApply(Apply m)
    {
        // --user/--group: refused here, clearly, when this host cannot (not root, no such user) rather than crash-looping.
        if (m.Running && (m.Spec.User is not null || m.Spec.Group is not null) && RunAs.Resolve(m.Spec.User, m.Spec.Group, _node, out var problem) is null)
        {
            Sender.Tell(new HostFailed(_node, m.Spec.Name, problem));
            return;
        }
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

        var op = NewOp(Sender);
        foreach (var slot in m.Running ? removed : removed.Concat(_slots.Values))
        {
            if (slot.Worker is not { } worker) continue;
            Ops.Stop(op, worker, restart: false, then: removed.Contains(slot) ? () => worker.Tell(PoisonPill.Instance) : null);
        }
        if (!m.Running)
            foreach (var worker in _disconnected.Keys.ToList())
                Ops.Stop(op, worker, restart: false, then: () => worker.Tell(PoisonPill.Instance));
        Ops.Await(op, m.Running ? _slots.Values.Where(s => s.Status == InstanceStatus.Launching).Select(s => s.Index) : []);
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
        Ops.Await(NewOp(Sender), launching);
    }

    private void OnRestart(IReadOnlyList<int>? indices)
    {
        var op = NewOp(Sender);
        var all = new List<int>();
        foreach (var slot in Selected(indices))
        {
            slot.Unstable = 0;
            slot.Reason = null;
            slot.Restarts++;
            slot.Record("restart requested", Keep);
            all.Add(slot.Index);
            if (slot.Worker is not { } worker) Spawn(slot);
            // A worker runs the spec it was created with: after a spec change (restart --update-env) it is replaced.
            else if (slot.Version != _spec.Version) Ops.Stop(op, worker, restart: false, then: () => Respawn(slot.Index, worker));
            else Ops.Stop(op, worker, restart: true);
        }
        Ops.Await(op, all);
    }

    /// <summary>The old worker of a restarted instance has stopped: replace it with one of the current spec.</summary>
    private void Respawn(int index, IActorRef old)
    {
        old.Tell(PoisonPill.Instance);
        if (_slots.TryGetValue(index, out var slot) && Equals(slot.Worker, old)) Spawn(slot);
    }

    private void OnShutdown()
    {
        // Asked again while stopping (the daemon stops right after a `pbm kill`): answered with the first.
        _shutdownWaiters.Add(Sender);
        if (_shuttingDown) return;
        _shuttingDown = true;
        // Its end answers its requester (halted: the app was stopped); its new workers are stopped below.
        if (_rollout is { } rollout) Context.Stop(rollout);
        var op = NewOp(null, () =>
        {
            foreach (var waiter in _shutdownWaiters) Done(waiter);
            _shutdownWaiters.Clear();
            Context.Stop(Self);
        });
        foreach (var worker in _slots.Values.Where(s => s.Worker is not null).Select(s => s.Worker!).Concat(_disconnected.Keys).Concat(_candidates.Keys).ToList())
            Ops.Stop(op, worker, restart: false);
        Ops.Await(op, []);
    }

    private void OnDisconnect(DisconnectInstance m)
    {
        if (!_slots.TryGetValue(m.Index, out var slot) || slot.Worker is null || slot.Status != InstanceStatus.Online)
        {
            Sender.Tell(new HostFailed(_node, _spec.Name, $"{_spec.Name}:{m.Index} is not online"));
            return;
        }
        var old = slot.Worker;
        _disconnected[old] = Info(slot) with { Status = InstanceStatus.Disconnected, Reason = "disconnected: out of the gateway, not supervised; pbm stop/delete ends it" };
        old.Tell(WorkerProtocol.Disconnect.Instance);
        _log.Info("{0}:{1} pid {2} disconnected; starting a replacement", _spec.Name, m.Index, slot.Pid);
        Spawn(slot);
        Ops.Await(NewOp(Sender), [slot.Index]);
    }

    private void OnTerminated(IActorRef actor)
    {
        if (Equals(actor, _rollout))
        {
            // Done or halted: any new worker still here did not make it in.
            _rollout = null;
            foreach (var worker in _candidates.Keys)
            {
                worker.Tell(new WorkerProtocol.Stop());
                worker.Tell(PoisonPill.Instance);
            }
            _candidates.Clear();
            return;
        }
        foreach (var slot in _slots.Values.Where(s => Equals(s.Worker, actor))) slot.Worker = null;
        _disconnected.Remove(actor);
        if (_candidates.Remove(actor, out var candidate))
            _rollout?.Tell(new Rollout.CandidateFailed(candidate.Index, $"the new instance {_spec.Name}:{candidate.Index} stopped"));
        Ops.Ended(actor);
        Ops.SettleAll();
    }

    // ---- rolling reload: the Rollout child decides, this actor owns the workers ----

    private void OnReload(AppSpec spec, int parallel)
    {
        if (_rollout is not null)
        {
            Sender.Tell(new HostRollout(_node, _spec.Name, false, 0, 0, $"a rollout of {_spec.Name} is already running"));
            return;
        }
        var running = _slots.Values.Where(s => s.Worker is not null && s.Status is InstanceStatus.Online or InstanceStatus.Unhealthy or InstanceStatus.Launching)
            .Select(s => s.Index).Order().ToList();
        _rollout = Context.ActorOf(Rollout.Props(spec, running, parallel, _settings.PolicyFor(spec).MinUptime, Sender, _node), "rollout-" + ++_rollouts);
        Context.Watch(_rollout);
    }

    private void OnLaunchCandidates(Rollout.Launch m)
    {
        foreach (var index in m.Indices)
        {
            var id = Guid.NewGuid().ToString("N");
            var worker = Context.ActorOf(ProcessWorker.Props(m.Spec, index, _settings, _logs, _metrics, _pids, _trees, _gateway, id), $"{index}-{id[..12]}");
            Context.Watch(worker);
            _candidates[worker] = new Candidate(index, id, m.Spec.Version);
        }
    }

    /// <summary>The batch is ready and stable: swap each new worker in, then drain and stop the old ones.</summary>
    private void OnSwapIn(Rollout.SwapIn m)
    {
        var rollout = Sender;
        var swapped = 0;
        var op = NewOp(null, () => rollout.Tell(new Rollout.Swapped(swapped)));
        foreach (var (worker, candidate) in _candidates.Where(c => m.Indices.Contains(c.Value.Index)).ToList())
        {
            _candidates.Remove(worker);
            if (!_slots.TryGetValue(candidate.Index, out var slot))
            {
                Ops.Stop(op, worker, restart: false, then: () => worker.Tell(PoisonPill.Instance));
                continue;
            }
            if (slot.Worker is { } old) Ops.Stop(op, old, restart: false, then: () => old.Tell(PoisonPill.Instance));
            slot.Worker = worker;
            slot.WorkerId = candidate.WorkerId;
            if (candidate.Last is { } last)
            {
                slot.Status = last.Status;
                slot.Pid = last.Pid;
                slot.StartedAt = last.StartedAt;
                slot.PrivatePort = last.PrivatePort;
                slot.Version = last.Version;
            }
            slot.Unstable = 0;
            slot.Reason = null;
            swapped++;
        }
        Ops.Await(op, []);
    }

    /// <summary>A new worker of a rollout and its latest report, copied into its slot when it is swapped in.</summary>
    private sealed class Candidate(int index, string workerId, int version)
    {
        public int Index { get; } = index;
        public string WorkerId { get; } = workerId;
        public int Version { get; } = version;
        public InstanceUpdated? Last { get; set; }
    }

    /// <summary>An operation answered with HostDone (or <paramref name="complete"/>) once its workers did what it asked.</summary>
    private PendingOp NewOp(IActorRef? replyTo, Action? complete = null) => Ops.New(replyTo, complete ?? (() => Done(replyTo!)));

    private void Done(IActorRef replyTo) => replyTo.Tell(new HostDone(_node, _spec.Name));

    // ---- bookkeeping ----

    /// <summary>A graceful stop's bound: the drain and the signal each take up to kill-timeout, then the tree's kill-wait.</summary>
    private TimeSpan StopTimeout => TimeSpan.FromMilliseconds(_spec.KillTimeoutMs) * 2 + _settings.TreeKillWait + TimeSpan.FromSeconds(2);

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

    /// <summary>The worker stops it (and then fails: the restart policy decides); this is the record of why.</summary>
    private void OnMemoryExceeded(MemoryExceeded m)
    {
        if (!_slots.TryGetValue(m.Index, out var slot) || !Equals(slot.Worker, m.Worker)) return;
        var text = $"memory {Client.Specs.ByteSize.Format(m.Rss)} over the limit of {Client.Specs.ByteSize.Format(m.Limit)}: stopping it; the restart policy decides what follows";
        slot.Record(text, Keep);
        _log.Warning("{0}:{1} {2}", _spec.Name, m.Index, text);
    }

    /// <summary>The worker took the instance out of rotation, back in, or is stopping it for its health: the record of it, and the reason shown.</summary>
    private void OnHealthChanged(HealthChanged m)
    {
        if (!_slots.TryGetValue(m.Index, out var slot) || !Equals(slot.Worker, m.Worker)) return;
        slot.Reason = m.Reason;
        slot.Record(m.Event, Keep);
    }

    private void OnUpdated(InstanceUpdated u)
    {
        if (_disconnected.TryGetValue(u.Worker, out var gone))
        {
            _disconnected[u.Worker] = gone with { Pid = u.Pid, Status = u.Status == InstanceStatus.Stopped ? InstanceStatus.Stopped : InstanceStatus.Disconnected };
            return;
        }
        if (_candidates.TryGetValue(u.Worker, out var candidate))
        {
            candidate.Last = u;
            _rollout?.Tell(new Rollout.CandidateUpdated(candidate.Index, u.Status));
            return;
        }
        if (!_slots.TryGetValue(u.Index, out var slot) || !Equals(slot.Worker, u.Worker)) return;
        if (u.Pid is { } pid && pid == slot.ExitedPid) return;
        if (u.Status != slot.Status || u.Pid != slot.Pid)
        {
            if (u.Status == InstanceStatus.Online && slot.Status == InstanceStatus.Unhealthy && u.Pid == slot.Pid) { }
            else if (u.Status == InstanceStatus.Online) slot.Record($"started pid {u.Pid}", Keep);
            else if (u.Status == InstanceStatus.Stopping) slot.Record($"stopping pid {u.Pid} ({_spec.KillSignal})", Keep);
            else if (u.Status == InstanceStatus.Stopped && slot.Status != InstanceStatus.Stopped) slot.Record("stopped", Keep);
        }
        slot.Status = u.Status;
        slot.Pid = u.Pid;
        slot.StartedAt = u.StartedAt;
        slot.NextStartAt = u.NextStartAt;
        slot.PrivatePort = u.PrivatePort;
        slot.Version = u.Version;
        Ops.SettleAll();
    }

    private InstanceInfo Info(InstanceSlot slot) => slot.Info(_spec, _node, _metrics, _logs);
}
