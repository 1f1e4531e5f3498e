using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Processes;
using static Pbm.Runtime.Messages.SupervisorProtocol;
using static Pbm.Runtime.Messages.WorkerProtocol;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// Supervises the ProcessWorkers of one app on one host. Its <see cref="SupervisorStrategy"/> is the app's
/// restart policy: a worker whose process exited fails, and the strategy restarts it (at once after a stable
/// run, with exponential backoff after an unstable one), stops it (autorestart off, a stop exit code), or
/// stops it as errored after max-restarts unstable starts in a row. The supervisor keeps every instance's
/// record (restarts, last exit, reason, recent events) so `pbm list` answers without asking the workers; metrics
/// and log drop counts are read from the node's shared boards. A worker over --max-memory is restarted gracefully.
/// </summary>
internal sealed class AppSupervisor : ReceiveActor
{
    private readonly PbmSettings _settings;
    private readonly Logs.LogHub _logs;
    private readonly Metrics.MetricsBoard _metrics;
    private readonly PidRegistry _pids;
    private readonly string _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<int, InstanceSlot> _slots = [];
    private readonly Random _random = new();
    private readonly List<(HashSet<int> Pending, IActorRef ReplyTo)> _launchWaiters = [];
    private AppSpec _spec;
    private RestartPolicy _policy;

    public AppSupervisor(AppSpec spec, PbmSettings settings, Logs.LogHub logs, Metrics.MetricsBoard metrics, PidRegistry pids, string node)
    {
        _spec = spec;
        _settings = settings;
        _policy = settings.PolicyFor(spec);
        _logs = logs;
        _metrics = metrics;
        _pids = pids;
        _node = node;

        Receive<Apply>(OnApply);
        Receive<StopInstances>(m => AwaitWorkers(Selected(m.Indices).Where(s => s.Worker is not null), WorkerProtocol.Stop.Instance));
        Receive<StartInstances>(m => OnStart(m.Indices));
        Receive<RestartInstances>(m => OnRestart(m.Indices));
        Receive<Shutdown>(_ => OnShutdown());
        Receive<GetInstances>(_ => Sender.Tell(new Instances(_spec.Name, _slots.Values.OrderBy(s => s.Index).Select(Info).ToList())));
        Receive<InstanceUpdated>(OnUpdated);
        Receive<MemoryExceeded>(OnMemoryExceeded);
        Receive<WorkerStopped>(_ => { });
        Receive<AwaitLaunch>(m =>
        {
            _launchWaiters.Add((m.Indices.ToHashSet(), m.ReplyTo));
            Settle();
        });
        Receive<Terminated>(t =>
        {
            foreach (var slot in _slots.Values.Where(s => Equals(s.Worker, t.ActorRef))) slot.Worker = null;
        });
    }

    public static Props Props(AppSpec spec, PbmSettings settings, Logs.LogHub logs, Metrics.MetricsBoard metrics, PidRegistry pids, string node) =>
        Akka.Actor.Props.Create(() => new AppSupervisor(spec, settings, logs, metrics, pids, node));

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
        if (!_slots.TryGetValue(e.Index, out var slot)) return Directive.Stop;
        slot.LastExit = e.Exit;
        slot.Pid = null;
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
                slot.Reason = decision.Reason;
                _log.Info("{0}:{1} not restarted: {2}", _spec.Name, e.Index, decision.Reason);
                slot.Record($"not restarted: {decision.Reason}", Keep);
                Self.Tell(new AwaitLaunch([], ActorRefs.Nobody));
                return Directive.Stop;
            default:
                slot.Status = InstanceStatus.Errored;
                slot.Reason = decision.Reason;
                _log.Warning("{0}:{1} errored: {2}; last exit code {3}", _spec.Name, e.Index, decision.Reason, e.Exit.Code);
                slot.Record($"errored: {decision.Reason}", Keep);
                Self.Tell(new AwaitLaunch([], ActorRefs.Nobody));
                return Directive.Stop;
        }
    }

    private void OnApply(Apply m)
    {
        var specChanged = m.Spec != _spec;
        _spec = m.Spec;
        _policy = _settings.PolicyFor(_spec);
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
        _ = specChanged; // a changed spec applies from each instance's next start (rolling reload is a later step)

        var stopping = m.Running ? removed : removed.Concat(_slots.Values).ToList();
        var timeout = StopTimeout;
        var tasks = stopping.Where(s => s.Worker is not null)
            .Select(s => (removed.Contains(s), s.Worker!, s.Worker!.Ask<WorkerStopped>(WorkerProtocol.Stop.Instance, timeout)))
            .ToList();
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
        var all = new List<int>();
        foreach (var slot in Selected(indices))
        {
            slot.Unstable = 0;
            slot.Reason = null;
            slot.Restarts++;
            slot.Record("restart requested", Keep);
            all.Add(slot.Index);
            if (slot.Worker is null) Spawn(slot);
            else running.Add(slot);
        }
        AwaitWorkers(running, WorkerProtocol.Restart.Instance, all);
    }

    private void OnShutdown()
    {
        var app = _spec.Name;
        var self = Self;
        var tasks = _slots.Values.Where(s => s.Worker is not null)
            .Select(s => s.Worker!.Ask<WorkerStopped>(WorkerProtocol.Stop.Instance, StopTimeout)).ToList();
        var sender = Sender;
        Task.WhenAll(tasks).ContinueWith(_ =>
        {
            sender.Tell(new Done(app));
            self.Tell(PoisonPill.Instance);
        });
    }

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

    private TimeSpan StopTimeout => TimeSpan.FromMilliseconds(_spec.KillTimeoutMs) + TimeSpan.FromSeconds(5);

    private IEnumerable<InstanceSlot> Selected(IReadOnlyList<int>? indices) =>
        indices is null ? _slots.Values.ToList() : indices.Where(_slots.ContainsKey).Select(i => _slots[i]).ToList();

    private void Spawn(InstanceSlot slot)
    {
        slot.Status = InstanceStatus.Launching;
        var name = $"{slot.Index}-{Guid.NewGuid():N}"[..16];
        slot.Worker = Context.ActorOf(ProcessWorker.Props(_spec, slot.Index, _settings, _logs, _metrics, _pids), name);
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
        if (!_slots.TryGetValue(u.Index, out var slot) || !Equals(slot.Worker, u.Worker)) return;
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
        Settle();
    }

    /// <summary>Answer <paramref name="ReplyTo"/> once these instances have left "launching".</summary>
    private sealed record AwaitLaunch(IReadOnlyList<int> Indices, IActorRef ReplyTo);

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
            Host = _node,
            Status = s.Status,
            Pid = s.Pid,
            StartedAt = s.Status == InstanceStatus.Online || s.Status == InstanceStatus.Stopping ? s.StartedAt : null,
            Restarts = s.Restarts,
            UnstableRestarts = s.Unstable,
            LastExit = s.LastExit,
            Reason = s.Reason,
            NextStartAt = s.Status == InstanceStatus.WaitingRestart ? s.NextStartAt : null,
            Version = _spec.Version,
            Cpu = tree is { } t ? Math.Round(t.Cpu, 1) : null,
            Memory = tree?.Rss,
            Processes = tree?.Processes,
            LogDropped = logStats?.Dropped ?? 0,
            LogError = logStats?.Error,
            Events = s.Events.ToList(),
        };
    }
}
