using Pbm.Client.Specs;
using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Health;
using Pbm.Runtime.Logs;
using Pbm.Runtime.Metrics;
using Pbm.Runtime.Processes;
using static Pbm.Runtime.Messages.WorkerProtocol;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// Owns one instance's OS process (a session of its own), its output and its pid file. When the process exits
/// without being asked to, the worker throws <see cref="ProcessExitedException"/>: restarting is the
/// supervisor's decision, not the worker's. Stop and Restart are graceful: the kill signal to the whole group,
/// SIGKILL after kill-timeout, and nothing of the tree left behind (its cgroup, or its descendants found in /proc:
/// see <see cref="TreeTracking"/>; the wait for them runs in the child's exit task, never on this actor). With --max-memory it checks its tree's
/// memory at every metrics sample; over the limit it stops the process gracefully and then fails like a crash, so
/// the supervisor's restart policy decides what follows (backoff, errored). After a restart by its supervisor it
/// starts when told (<see cref="Relaunch"/>, with the policy's delay).
/// </summary>
internal sealed class ProcessWorker : ReceiveActor, IWithTimers
{
    private readonly AppSpec _spec;
    private readonly int _index;
    private readonly PbmSettings _settings;
    private readonly LogHub _logs;
    private readonly MetricsBoard _metrics;
    private readonly PidRegistry _pids;
    private readonly TreeTracking _trees;
    private readonly PbmGateway? _gateway;
    private readonly string _workerId;
    private Destination? _destination;
    private int? _privatePort;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<(IActorRef Sender, long Request)> _stopWaiters = [];
    private InstanceLog? _output;
    private ChildProcess? _child;
    private bool _restartAfterStop;
    private int _generation;
    private bool _memoryReported;
    /// <summary>Why the process is being stopped for its memory (null: it is not): its exit then fails this worker.</summary>
    private string? _overMemory;
    /// <summary>Restarted by the supervisor after a ProcessExitedException: waiting for its <see cref="Relaunch"/>.</summary>
    private bool _awaitingRelaunch;
    /// <summary>Why the process is being stopped for failing its health check (null: it is not): its exit then fails this worker.</summary>
    private string? _unhealthyStop;
    /// <summary>The running instance's health probe (--health), a child started once it is online.</summary>
    private IActorRef? _probe;
    private int _probes;
    /// <summary>Failing its health check: out of the gateway's rotation until a check passes.</summary>
    private bool _unhealthy;
    /// <summary>The environment of the current run (exec health checks get it too).</summary>
    private IReadOnlyDictionary<string, string>? _env;
    /// <summary>The user instances run as (--user, --group), resolved on this host; null: the daemon's.</summary>
    private readonly RunAs? _runAs;
    private readonly string? _runAsProblem;

    public ProcessWorker(AppSpec spec, int index, PbmSettings settings, LogHub logs, MetricsBoard metrics, PidRegistry pids, TreeTracking trees, PbmGateway? gateway, string workerId)
    {
        _workerId = workerId;
        _spec = spec;
        _index = index;
        _settings = settings;
        _logs = logs;
        _metrics = metrics;
        _pids = pids;
        _trees = trees;
        _gateway = spec.Port is null ? null : gateway;
        if (spec.User is not null || spec.Group is not null) _runAs = RunAs.Resolve(spec.User, spec.Group, Environment.MachineName, out _runAsProblem);
        Idle();
    }

    /// <summary>The health probe is a helper: one that fails (a bug) is restarted, three times a minute at most, then stopped (the instance runs on unchecked, logged).</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(3, TimeSpan.FromMinutes(1), e =>
        {
            _log.Error(e, "{0}:{1} health probe failed", _spec.Name, _index);
            return Directive.Restart;
        });

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AppSpec spec, int index, PbmSettings settings, LogHub logs, MetricsBoard metrics, PidRegistry pids, TreeTracking trees, PbmGateway? gateway, string workerId) =>
        Akka.Actor.Props.Create(() => new ProcessWorker(spec, index, settings, logs, metrics, pids, trees, gateway, workerId));

    /// <summary>The readiness check of the spec: its --ready, else "tcp" when it has a gateway port, else none.</summary>
    private string? ReadyCheck => _spec.Ready ?? (_spec.Port is null ? null : ReadyChecks.Tcp);

    protected override void PreStart()
    {
        WatchMemory();
        Self.Tell(new Launch(_generation));
    }

    private void WatchMemory()
    {
        if (SampledLimit is not null) Context.System.EventStream.Subscribe(Self, typeof(MetricsSampler.Sampled));
    }

    /// <summary>The memory checked at every sample: --max-memory, else a --memory-limit this host cannot have the kernel enforce.</summary>
    private long? SampledLimit => _spec.MaxMemoryBytes ?? (_trees.Limits.Enforces("memory") ? null : _spec.MemoryLimitBytes);

    /// <summary>Where this host cannot have the kernel enforce a limit the spec asks for: said once per daemon in pbm.log.</summary>
    private void WarnUnenforced()
    {
        var missing = new[] { ("memory", _spec.MemoryLimitBytes is not null), ("cpu", _spec.CpuLimit is not null), ("pids", _spec.PidsLimit is not null) }
            .Where(x => x.Item2 && !_trees.Limits.Enforces(x.Item1)).Select(x => x.Item1).ToList();
        if (missing.Count == 0 || !_trees.Limits.FirstFallback()) return;
        _log.Warning("{0}: kernel limits on {1} cannot be enforced on this host ({2}): --memory-limit falls back to sampling every metrics interval (as --max-memory), " +
                     "--cpu-limit and --pids-limit are not enforced; said once", _spec.Name, string.Join(", ", missing), _trees.Limits.Why);
    }

    protected override void PostRestart(Exception reason)
    {
        WatchMemory();
        if (reason is ProcessExitedException)
        {
            // The supervisor's strategy has decided, by the restart policy, and its Relaunch says when.
            _awaitingRelaunch = true;
            return;
        }
        // A bug in this worker: start again after a pause rather than spin.
        StartAfter(TimeSpan.FromSeconds(1));
    }

    protected override void PreRestart(Exception reason, object message)
    {
        // Keep the default (stop children, PostStop) but never lose a caller waiting for a stop.
        foreach (var (sender, request) in _stopWaiters) Self.Tell(new Stop(request), sender);
        base.PreRestart(reason, message);
    }

    private void StartAfter(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            LaunchProcess();
            return;
        }
        Report(InstanceStatus.WaitingRestart, nextStartAt: DateTimeOffset.UtcNow + delay);
        Timers.StartSingleTimer("launch", new Launch(_generation), delay);
    }

    protected override void PostStop()
    {
        LeaveGateway();
        Context.System.EventStream.Unsubscribe(Self);
        if (_child is { } child)
        {
            _metrics.Unwatch(child.Pid);
            // The actor is going away with its process still running (daemon shutdown, supervisor stopped):
            // nothing may outlive it.
            child.KillTree();
            _pids.Forget(_spec.Name, _index, child.Pid);
            InstancePidFile.Remove(_spec, _index, child.Pid);
        }
        _output?.Dispose();
    }

    /// <summary>No process: launching, waiting for a restart, or stopped.</summary>
    private void Idle()
    {
        Receive<Launch>(l => l.Generation == _generation, _ => LaunchProcess());
        Receive<Relaunch>(r =>
        {
            // Ignored when a stop (or a start) came first: the user's word wins over the policy's.
            if (!_awaitingRelaunch) return;
            _awaitingRelaunch = false;
            StartAfter(r.Delay);
        });
        Receive<Start>(_ => LaunchProcess());
        Receive<Restart>(r =>
        {
            var sender = Sender;
            try
            {
                LaunchProcess();
            }
            finally
            {
                sender.Tell(new WorkerStopped(_index, r.Request));
            }
        });
        Receive<Stop>(m =>
        {
            _generation++;
            _awaitingRelaunch = false;
            Timers.Cancel("launch");
            Report(InstanceStatus.Stopped);
            Sender.Tell(new WorkerStopped(_index, m.Request));
        });
        Receive<ProcessExited>(_ => { });
        Receive<StopTimedOut>(_ => { });
        Receive<MetricsSampler.Sampled>(_ => { });
        IgnoreHealth();
    }

    private void IgnoreHealth()
    {
        Receive<HealthFailing>(_ => { });
        Receive<HealthRecovered>(_ => { });
        Receive<HealthFailed>(_ => { });
    }

    private void Running()
    {
        Receive<ProcessExited>(e => e.Pid == _child?.Pid, e =>
        {
            LeaveGateway();
            throw Exited(e);
        });
        Receive<ReadyResult>(r => r.Pid == _child?.Pid, r =>
        {
            if (r.Reason is not null && ReadyCheck == ReadyChecks.WaitReady)
            {
                // PM2's wait_ready counts an app that stays silent as ready once listen-timeout is over.
                _log.Warning("{0}:{1} pid {2} {3}: counted as ready, as PM2's wait_ready does (--ready message requires it)", _spec.Name, _index, r.Pid, r.Reason);
                r = r with { Reason = null };
            }
            if (r.Reason is null)
            {
                JoinGateway();
                Report(InstanceStatus.Online, _child!.Pid, _child.StartedAt);
                StartProbe();
                return;
            }
            // Not ready in time: this start failed. Kill it and let the supervisor's policy decide.
            var child = _child!;
            child.KillTree();
            var detail = r.Reason + (_output?.TakeErrorTail() is { } tail ? "\n" + tail : "");
            ForgetChild(child.Pid);
            _log.Warning("{0}:{1} pid {2} {3}", _spec.Name, _index, child.Pid, r.Reason);
            throw new ProcessExitedException(_index, ExitOf(-1, child.StartedAt, detail), startFailed: true, workerId: _workerId, pid: child.Pid);
        });
        Receive<HealthFailing>(_ => Equals(Sender, _probe), m =>
        {
            var text = $"health check failed ({m.InARow} of {m.Limit} in a row): {m.Failure}";
            if (!_unhealthy)
            {
                // Out of rotation at once (here and in every host's gateway); requests it is serving go on.
                _unhealthy = true;
                LeaveGateway();
                Report(InstanceStatus.Unhealthy, _child!.Pid, _child.StartedAt);
                text += "; out of rotation";
            }
            _log.Warning("{0}:{1} pid {2} {3}", _spec.Name, _index, _child!.Pid, text);
            Context.Parent.Tell(new HealthChanged(_index, Self, $"unhealthy: {m.Failure}", text));
        });
        Receive<HealthRecovered>(_ => Equals(Sender, _probe), _ =>
        {
            if (!_unhealthy) return;
            _unhealthy = false;
            JoinGateway();
            Report(InstanceStatus.Online, _child!.Pid, _child.StartedAt);
            _log.Info("{0}:{1} pid {2} health check passed; back in rotation", _spec.Name, _index, _child.Pid);
            Context.Parent.Tell(new HealthChanged(_index, Self, null, "health check passed; back in rotation"));
        });
        Receive<HealthFailed>(_ => Equals(Sender, _probe), m =>
        {
            var reason = $"unhealthy: {m.Reason}";
            _log.Warning("{0}:{1} pid {2} {3}: stopping it", _spec.Name, _index, _child!.Pid, reason);
            Context.Parent.Tell(new HealthChanged(_index, Self, reason, reason + ": stopping it; the restart policy decides what follows"));
            _unhealthyStop = reason;
            // No drain: it has been out of rotation since its first failed check, and a hung app finishes nothing.
            BeginStop(restart: false, waiter: null, drain: false);
        });
        Receive<Disconnect>(_ =>
        {
            StopProbe();
            LeaveGateway();
            Report(InstanceStatus.Disconnected, _child!.Pid, _child.StartedAt);
            Become(Disconnected);
        });
        Receive<Stop>(m => BeginStop(restart: false, (Sender, m.Request)));
        Receive<Restart>(m => BeginStop(restart: true, (Sender, m.Request)));
        Receive<SendSignal>(m => Processes.Native.Kill(_child!.Pid, Client.Specs.Signals.NumberOf(m.Signal)));
        Receive<Start>(_ => { });
        Receive<Launch>(_ => { });
        Receive<Relaunch>(_ => { });
        Receive<StopTimedOut>(_ => { });
        Receive<MetricsSampler.Sampled>(_ => CheckMemory());
    }

    /// <summary>Over --max-memory: stop the process gracefully; its exit then fails this worker (see <see cref="Stopping"/>).</summary>
    private void CheckMemory()
    {
        if (_memoryReported || _child is null || SampledLimit is not { } limit) return;
        if (_metrics.Tree(_child.Pid) is not { } tree || tree.Rss <= limit) return;
        _memoryReported = true;
        Context.Parent.Tell(new MemoryExceeded(_index, tree.Rss, limit, Self));
        _overMemory = $"memory {ByteSize.Format(tree.Rss)} over the limit of {ByteSize.Format(limit)}";
        BeginStop(restart: false, waiter: null);
    }

    private void Stopping()
    {
        Receive<Stop>(m =>
        {
            _restartAfterStop = false;
            _stopWaiters.Add((Sender, m.Request));
        });
        Receive<Restart>(m =>
        {
            _restartAfterStop = true;
            _stopWaiters.Add((Sender, m.Request));
        });
        Receive<Drained>(d => d.Pid == _child?.Pid, d =>
        {
            _child!.Signal(_spec.KillSignal);
            Timers.StartSingleTimer("kill", new StopTimedOut(d.Pid), TimeSpan.FromMilliseconds(_spec.KillTimeoutMs));
        });
        Receive<StopTimedOut>(t => t.Pid == _child?.Pid, t =>
        {
            _log.Warning("{0}:{1} pid {2} ignored {3} for {4} ms; sending SIGKILL", _spec.Name, _index, t.Pid, _spec.KillSignal, _spec.KillTimeoutMs);
            _child?.KillTree();
        });
        Receive<ProcessExited>(e => e.Pid == _child?.Pid, e =>
        {
            LeaveGateway();
            if ((_overMemory ?? _unhealthyStop) is { } why && _stopWaiters.Count == 0 && !_restartAfterStop)
            {
                // Stopped for its memory or its health, and nobody asked for a stop meanwhile: fail, so the restart policy decides.
                var overMemory = _overMemory is not null;
                _overMemory = _unhealthyStop = null;
                var startedAt = _child!.StartedAt;
                ForgetChild(e.Pid);
                _log.Info("{0}:{1} pid {2} stopped for its {3} (code {4})", _spec.Name, _index, e.Pid, overMemory ? "memory" : "health", e.Code);
                throw new ProcessExitedException(_index, ExitOf(e.Code, startedAt, why), workerId: _workerId, pid: e.Pid, overMemory: overMemory, unhealthy: !overMemory);
            }
            _overMemory = _unhealthyStop = null;
            _log.Info("{0}:{1} pid {2} stopped on request{3} (code {4})", _spec.Name, _index, e.Pid, _restartAfterStop ? ", to restart" : "", e.Code);
            ForgetChild(e.Pid);
            Become(Idle);
            var waiters = _stopWaiters.ToList();
            _stopWaiters.Clear();
            try
            {
                // Launch before answering: the supervisor then sees the new pid before the caller's answer.
                if (_restartAfterStop) LaunchProcess();
                else Report(InstanceStatus.Stopped);
            }
            finally
            {
                foreach (var (sender, request) in waiters) sender.Tell(new WorkerStopped(_index, request));
            }
        });
        Receive<Start>(_ => _restartAfterStop = true);
        Receive<Launch>(_ => { });
        Receive<Relaunch>(_ => { });
        Receive<ReadyResult>(_ => { });
        Receive<Disconnect>(_ => { });
        Receive<MetricsSampler.Sampled>(_ => { });
        IgnoreHealth();
    }

    /// <summary>Out of the gateway and of supervision: the process runs on until stopped or it exits.</summary>
    private void Disconnected()
    {
        Receive<ProcessExited>(e => e.Pid == _child?.Pid, e =>
        {
            ForgetChild(e.Pid);
            Report(InstanceStatus.Stopped);
            Context.Stop(Self);
        });
        Receive<Stop>(m => BeginStop(restart: false, (Sender, m.Request)));
        Receive<object>(_ => { });
    }

    private void LaunchProcess()
    {
        _generation++;
        _awaitingRelaunch = false;
        Timers.Cancel("launch");
        Report(InstanceStatus.Launching);
        WarnUnenforced();
        if (_output is null)
        {
            var log = _log;
            var id = $"{_spec.Name}:{_index}";
            _output = new InstanceLog(_logs, _spec.Name, _index,
                _settings.LogOptionsFor(_spec) with { FileId = _spec.InstanceIds is { } ids && ids.TryGetValue(_index, out var pmId) ? pmId : _index },
                error => log.Warning("{0}: {1}; its lines are dropped (and counted) until the file can be written, the app keeps running", id, error));
        }
        if (_spec.Port is not null) _privatePort = PortAllocator.Next(_gateway?.Settings.InstanceBind);
        var env = InstanceEnvironment.For(_spec, _index, _spec.Port is null ? null : _privatePort, _gateway?.Settings.InstanceBind);
        _env = env;
        var startedAt = DateTimeOffset.UtcNow;
        ChildProcess child;
        try
        {
            if (!Directory.Exists(_spec.Cwd)) throw new DirectoryNotFoundException($"working directory {_spec.Cwd} does not exist");
            if (_runAsProblem is { Length: > 0 } problem) throw new UnauthorizedAccessException(problem);
            var launch = new LaunchSpec(_spec.Command, _spec.Args, _spec.Cwd, env);
            if (_runAs is { } user) launch = user.Wrap(launch);
            child = ChildProcess.Start(launch, _output, _trees, $"{_spec.Name}-{_index}",
                ipc: ReadyChecks.UsesMessage(ReadyCheck), limits: ResourceLimits.Of(_spec));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            throw new ProcessExitedException(_index, ExitOf(-1, startedAt, e.Message), startFailed: true, workerId: _workerId);
        }
        _child = child;
        _memoryReported = false;
        _metrics.Watch(child.Pid);
        _pids.Record(_spec.Name, _index, child.Pid, child.StartTicks, child.Tree.Cgroup?.Path);
        if (InstancePidFile.Write(_spec, _index, child.Pid) is { } pidFileError)
            _log.Warning("{0}:{1} cannot write its pid file: {2}", _spec.Name, _index, pidFileError);
        _log.Info("{0}:{1} started pid {2}", _spec.Name, _index, child.Pid);
        var self = Self;
        var pid = child.Pid;
        child.WaitForExitAsync().ContinueWith(t => self.Tell(new ProcessExited(pid, t.IsCompletedSuccessfully ? t.Result : -1, child.Tree.OomKilled)),
            TaskContinuationOptions.ExecuteSynchronously);
        Become(Running);
        var listenTimeout = TimeSpan.FromMilliseconds(_spec.ListenTimeoutMs);
        if (ReadyChecks.UsesMessage(ReadyCheck))
        {
            // Launching until the app says it is ready (process.send('ready')), port or not. PM2's wait_ready counts
            // an app that stays silent as ready once listen-timeout is over (it then still runs: an exit fails it first).
            Report(InstanceStatus.Launching, child.Pid, child.StartedAt);
            Readiness.WaitForMessageAsync(child.ReadyMessage, listenTimeout)
                .ContinueWith(t => self.Tell(new ReadyResult(pid, t.IsCompletedSuccessfully ? t.Result : "readiness wait failed")),
                    TaskContinuationOptions.ExecuteSynchronously);
            return;
        }
        if (ReadyCheck is { } check && _privatePort is { } probePort)
        {
            // Launching until ready: only then does it join the gateway and count as online.
            Report(InstanceStatus.Launching, child.Pid, child.StartedAt);
            Readiness.WaitAsync(check, _gateway?.Settings.InstanceAddress ?? "127.0.0.1", probePort, listenTimeout, () => !child.HasExited)
                .ContinueWith(t => self.Tell(new ReadyResult(pid, t.IsCompletedSuccessfully ? t.Result : "readiness probe failed")),
                    TaskContinuationOptions.ExecuteSynchronously);
            return;
        }
        Report(InstanceStatus.Online, child.Pid, child.StartedAt);
        StartProbe();
    }

    /// <summary>Into this host's gateway (and, through its announcements, every host's) with a fresh destination.</summary>
    private void JoinGateway()
    {
        if (_gateway is null || _privatePort is not { } port) return;
        _destination = _gateway.LocalDestination($"{_spec.Name}:{_index}", port);
        _gateway.Add(_spec.Name, _destination);
    }

    /// <summary>With --health, a probe child checks the instance from now on, for as long as it runs.</summary>
    private void StartProbe()
    {
        if (_spec.Health is not { } health || _child is null) return;
        StopProbe();
        var target = new HealthCheck.Target(health, _gateway?.Settings.InstanceAddress ?? "127.0.0.1", _privatePort, _spec.Cwd, _env ?? new Dictionary<string, string>(), _runAs);
        _probe = Context.ActorOf(HealthProbe.Props(target), $"health-{++_probes}");
    }

    private void StopProbe()
    {
        _unhealthy = false;
        if (_probe is null) return;
        Context.Stop(_probe);
        _probe = null;
    }

    private void LeaveGateway()
    {
        if (_destination is null) return;
        _gateway?.Remove(_spec.Name, _destination);
    }

    /// <param name="waiter">Who waits for the stop, with its request (none for a stop of the worker's own).</param>
    /// <param name="drain">Wait for the instance's in-flight requests (up to kill-timeout) before the signal.</param>
    private void BeginStop(bool restart, (IActorRef Sender, long Request)? waiter, bool drain = true)
    {
        _restartAfterStop = restart;
        if (waiter is { } w) _stopWaiters.Add(w);
        var child = _child!;
        StopProbe();
        Report(InstanceStatus.Stopping, child.Pid, child.StartedAt);
        Become(Stopping);
        if (!drain) LeaveGateway();
        else if (_destination is { } destination)
        {
            // Out of rotation first (here and, in a cluster, in every host's gateway), then let in-flight requests
            // finish (up to kill-timeout), then signal.
            LeaveGateway();
            var self = Self;
            var pid = child.Pid;
            _gateway!.DrainEverywhereAsync(destination, TimeSpan.FromMilliseconds(_spec.KillTimeoutMs))
                .ContinueWith(_ => self.Tell(new Drained(pid)), TaskContinuationOptions.ExecuteSynchronously);
            return;
        }
        child.Signal(_spec.KillSignal);
        Timers.StartSingleTimer("kill", new StopTimedOut(child.Pid), TimeSpan.FromMilliseconds(_spec.KillTimeoutMs));
    }

    private ProcessExitedException Exited(ProcessExited e)
    {
        var startedAt = _child!.StartedAt;
        ForgetChild(e.Pid);
        var tail = e.Code == 0 ? null : _output?.TakeErrorTail();
        if (e.OomKilled is { } limit)
        {
            // The kernel ended it at its cgroup's limit: say so, not "signal 9".
            var oom = $"killed: out of memory at {ByteSize.Format(limit)} limit";
            _log.Warning("{0}:{1} pid {2} {3} (--memory-limit) after {4} ms", _spec.Name, _index, e.Pid, oom, (long)(DateTimeOffset.UtcNow - startedAt).TotalMilliseconds);
            return new ProcessExitedException(_index, ExitOf(e.Code, startedAt, tail is null ? oom : oom + "\n" + tail), workerId: _workerId, pid: e.Pid, oomKilled: true);
        }
        var exit = ExitOf(e.Code, startedAt, tail);
        _log.Info("{0}:{1} pid {2} exited with code {3}{4} after {5} ms", _spec.Name, _index, e.Pid, e.Code,
            exit.Signal is null ? "" : $" ({exit.Signal})", exit.UptimeMs);
        return new ProcessExitedException(_index, exit, workerId: _workerId, pid: e.Pid);
    }

    private void ForgetChild(int pid)
    {
        StopProbe();
        Timers.Cancel("kill");
        if (_child is not null) _metrics.Unwatch(_child.Pid);
        _pids.Forget(_spec.Name, _index, pid);
        InstancePidFile.Remove(_spec, _index, pid);
        _child = null;
        _destination = null;
    }

    private void Report(string status, int? pid = null, DateTimeOffset? startedAt = null, DateTimeOffset? nextStartAt = null) =>
        Context.Parent.Tell(new InstanceUpdated(_index, status, pid, startedAt, nextStartAt, Self, pid is null ? null : _privatePort, _spec.Version));
}
