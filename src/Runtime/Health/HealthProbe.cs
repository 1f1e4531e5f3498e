using Akka.Actor;
using Akka.Event;
using static Pbm.Runtime.Messages.WorkerProtocol;

namespace Pbm.Runtime.Health;

/// <summary>
/// Runs one instance's health check (--health) for as long as the instance is online: a child of its ProcessWorker,
/// started once the instance is ready and stopped with its process. Every interval it runs one check (never two at
/// once: a tick that comes while a check runs is skipped), whose result comes back as a message (PipeTo). It tells
/// its worker: the first failure (<see cref="HealthFailing"/>: out of rotation at once), each later one, a pass after
/// failures (<see cref="HealthRecovered"/>: back in), and the failure that makes N in a row (<see cref="HealthFailed"/>:
/// stop it and let the restart policy decide), after which it checks no more.
/// </summary>
internal sealed class HealthProbe : ReceiveActor, IWithTimers
{
    private readonly HealthCheck.Target _target;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _round;
    private int _failures;

    public HealthProbe(HealthCheck.Target target)
    {
        _target = target;
        Waiting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HealthCheck.Target target) => Akka.Actor.Props.Create(() => new HealthProbe(target));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(_target.Spec.IntervalMs));

    private void Waiting()
    {
        Receive<Tick>(_ =>
        {
            var round = ++_round;
            // The check bounds itself by its timeout and never throws; a failed task is a bug, reported as a failure.
            HealthCheck.RunAsync(_target).PipeTo(Self, success: failure => new Checked(round, failure),
                failure: e => new Checked(round, $"health check failed: {e.Message}"));
            Become(Checking);
        });
        Receive<Checked>(_ => { });
    }

    private void Checking()
    {
        Receive<Tick>(_ => { });
        Receive<Checked>(c => c.Round == _round, c =>
        {
            if (c.Failure is null)
            {
                if (_failures > 0) Context.Parent.Tell(HealthRecovered.Instance);
                _failures = 0;
                Become(Waiting);
                return;
            }
            _failures++;
            if (_failures >= _target.Spec.Failures)
            {
                Context.Parent.Tell(new HealthFailed($"{c.Failure}, {_failures} checks in a row"));
                Timers.CancelAll();
                Become(Done);
                return;
            }
            _log.Debug("health check failed ({0} in a row): {1}", _failures, c.Failure);
            Context.Parent.Tell(new HealthFailing(c.Failure, _failures, _target.Spec.Failures));
            Become(Waiting);
        });
    }

    private void Done() => ReceiveAny(_ => { });

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Checked(int Round, string? Failure);
}
