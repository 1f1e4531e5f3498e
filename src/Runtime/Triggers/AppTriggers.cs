using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;
using Pbm.Runtime.Config;
using Pbm.Runtime.Messages;

namespace Pbm.Runtime.Triggers;

/// <summary>
/// The watch and the cron schedule of one app on one host (a child of the host agent, beside the app's
/// supervisor). A file change restarts the app's running instances once changes have been quiet for the debounce
/// time; a cron occurrence does the same. An app with a port is reloaded instead: a new instance is ready before
/// an old one goes, so a deploy by file copy costs no request. Stopped and errored instances are left alone.
/// Each host acts on its own instances only: in a cluster every host watches its own copy of the files.
/// The clock is injected so tests can put it a second before an occurrence.
/// </summary>
internal sealed class AppTriggers : ReceiveActor, IWithTimers
{
    /// <summary>An Akka timer is re-armed at least this often, so a long wait follows wall-clock changes.</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMinutes(10);

    private readonly AppSpec _spec;
    private readonly IActorRef _supervisor;
    private readonly PbmSettings _settings;
    private readonly TimeProvider _clock;
    private readonly TimeZoneInfo _zone;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CronSchedule? _cron;
    private FileWatch? _watch;
    private string? _lastChange;
    private bool _busy;
    private bool _again;

    public AppTriggers(AppSpec spec, IActorRef supervisor, PbmSettings settings, TimeProvider clock, TimeZoneInfo zone)
    {
        _spec = spec;
        _supervisor = supervisor;
        _settings = settings;
        _clock = clock;
        _zone = zone;
        _cron = spec.CronRestart is { } text && CronSchedule.TryParse(text, out var cron, out _) ? cron : null;

        Receive<Changed>(m =>
        {
            _lastChange = m.Path;
            Timers.StartSingleTimer("debounce", Quiet.Instance, Debounce);
        });
        Receive<Quiet>(_ => Act($"{_lastChange} changed"));
        Receive<CronTick>(OnCronTick);
        Receive<HostProtocol.HostDone>(_ => Acted(null));
        Receive<HostProtocol.HostFailed>(f => Acted(f.Error));
        Receive<HostProtocol.HostRollout>(r => Acted(r.Completed ? null : r.Reason ?? "halted"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AppSpec spec, IActorRef supervisor, PbmSettings settings, TimeProvider? clock = null, TimeZoneInfo? zone = null) =>
        Akka.Actor.Props.Create(() => new AppTriggers(spec, supervisor, settings, clock ?? TimeProvider.System, zone ?? TimeZoneInfo.Local));

    private TimeSpan Debounce => _spec.WatchDelayMs is { } ms ? TimeSpan.FromMilliseconds(ms) : _settings.WatchDebounce;

    private string Verb => _spec.Port is null ? "restart" : "reload";

    protected override void PreStart()
    {
        if (_spec.Watch is { Count: > 0 } paths)
        {
            var ignore = new WatchIgnore(_settings.WatchIgnore.Concat(_spec.IgnoreWatch).Concat(_spec.PidFile is { } pid ? [pid] : []));
            var self = Self;
            try
            {
                _watch = new FileWatch(paths, ignore, path => self.Tell(new Changed(path)));
                _log.Info("{0}: watching {1} ({2} watchers)", _spec.Name, string.Join(", ", paths), _watch.Watchers);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                _log.Error("{0}: cannot watch {1}: {2}", _spec.Name, string.Join(", ", paths), e.Message);
            }
        }
        if (_cron is not null) ScheduleCron(_clock.GetUtcNow());
    }

    protected override void PostStop() => _watch?.Dispose();

    private void ScheduleCron(DateTimeOffset from)
    {
        var next = _cron!.Next(from, _zone);
        if (next is null) return;
        var wait = next.Value - _clock.GetUtcNow();
        Timers.StartSingleTimer("cron", new CronTick(next.Value), wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxTimer ? MaxTimer : wait);
    }

    private void OnCronTick(CronTick tick)
    {
        var now = _clock.GetUtcNow();
        if (now < tick.At - TimeSpan.FromSeconds(1))
        {
            // Woken early (a long wait is cut in pieces, or the clock moved back): wait for the occurrence itself.
            var wait = tick.At - now;
            Timers.StartSingleTimer("cron", tick, wait > MaxTimer ? MaxTimer : wait);
            return;
        }
        Act($"cron {_cron} at {TimeZoneInfo.ConvertTime(tick.At, _zone):yyyy-MM-dd HH:mm}", cron: true);
        ScheduleCron(now > tick.At ? now : tick.At);
    }

    private void Act(string reason, bool cron = false)
    {
        if (_busy)
        {
            _again = true;
            return;
        }
        _busy = true;
        _log.Info("{0}: {1} ({2})", _spec.Name, Verb, reason);
        // The supervisor answers every request (HostDone, HostFailed, or HostRollout for a reload), bounded by the
        // app's own kill-timeout and readiness; it goes away only with this actor (the host agent stops both).
        _supervisor.Tell(_spec.Port is null ? new SupervisorProtocol.RestartRunning(Finished: cron) : new SupervisorProtocol.ReloadCurrent(1));
    }

    private void Acted(string? error)
    {
        _busy = false;
        if (error is not null) _log.Warning("{0}: {1} failed: {2}", _spec.Name, Verb, error);
        if (_again)
        {
            // Files changed while the restart ran: the running code may predate them.
            _again = false;
            Act("files changed during the last " + Verb);
        }
    }

    private sealed record Changed(string Path);

    private sealed record Quiet
    {
        public static readonly Quiet Instance = new();
    }

    private sealed record CronTick(DateTimeOffset At);
}
