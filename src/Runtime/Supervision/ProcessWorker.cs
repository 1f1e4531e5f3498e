using Pbm.Client.Specs;
using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Gateway;
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
        Idle();
    }

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
        if (_spec.MaxMemoryBytes is not null) Context.System.EventStream.Subscribe(Self, typeof(MetricsSampler.Sampled));
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
                if (_gateway is not null && _privatePort is { } port)
                {
                    _destination = _gateway.LocalDestination($"{_spec.Name}:{_index}", port);
                    _gateway.Add(_spec.Name, _destination);
                }
                Report(InstanceStatus.Online, _child!.Pid, _child.StartedAt);
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
        Receive<Disconnect>(_ =>
        {
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
        if (_memoryReported || _child is null || _spec.MaxMemoryBytes is not { } limit) return;
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
            if (_overMemory is { } why && _stopWaiters.Count == 0 && !_restartAfterStop)
            {
                // Stopped for its memory, and nobody asked for a stop meanwhile: fail, so the restart policy decides.
                _overMemory = null;
                var startedAt = _child!.StartedAt;
                ForgetChild(e.Pid);
                _log.Info("{0}:{1} pid {2} stopped for its memory (code {3})", _spec.Name, _index, e.Pid, e.Code);
                throw new ProcessExitedException(_index, ExitOf(e.Code, startedAt, why), workerId: _workerId, pid: e.Pid, overMemory: true);
            }
            _overMemory = null;
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
        var startedAt = DateTimeOffset.UtcNow;
        ChildProcess child;
        try
        {
            if (!Directory.Exists(_spec.Cwd)) throw new DirectoryNotFoundException($"working directory {_spec.Cwd} does not exist");
            child = ChildProcess.Start(new LaunchSpec(_spec.Command, _spec.Args, _spec.Cwd, env), _output, _trees, $"{_spec.Name}-{_index}",
                ipc: ReadyChecks.UsesMessage(ReadyCheck));
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
        child.WaitForExitAsync().ContinueWith(t => self.Tell(new ProcessExited(pid, t.IsCompletedSuccessfully ? t.Result : -1)),
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
    }

    private void LeaveGateway()
    {
        if (_destination is null) return;
        _gateway?.Remove(_spec.Name, _destination);
    }

    /// <param name="waiter">Who waits for the stop, with its request (none for a stop of the worker's own).</param>
    private void BeginStop(bool restart, (IActorRef Sender, long Request)? waiter)
    {
        _restartAfterStop = restart;
        if (waiter is { } w) _stopWaiters.Add(w);
        var child = _child!;
        Report(InstanceStatus.Stopping, child.Pid, child.StartedAt);
        Become(Stopping);
        if (_destination is { } destination)
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
        var exit = ExitOf(e.Code, startedAt, e.Code == 0 ? null : _output?.TakeErrorTail());
        _log.Info("{0}:{1} pid {2} exited with code {3}{4} after {5} ms", _spec.Name, _index, e.Pid, e.Code,
            exit.Signal is null ? "" : $" ({exit.Signal})", exit.UptimeMs);
        return new ProcessExitedException(_index, exit, workerId: _workerId, pid: e.Pid);
    }

    private void ForgetChild(int pid)
    {
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
