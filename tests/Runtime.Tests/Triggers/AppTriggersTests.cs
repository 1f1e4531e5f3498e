using Akka.TestKit.Xunit2;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Triggers;

namespace Pbm.Runtime.Tests.Triggers;

/// <summary>The trigger actor with an injected clock (cron) and a real folder (watch); the supervisor is a probe.</summary>
public sealed class AppTriggersTests : TestKit, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-trig-").FullName;
    private readonly PbmSettings _settings = PbmSettings.From(PbmSettings.Reference);

    /// <summary>A clock that starts at a chosen time and runs at the real pace.</summary>
    private sealed class ShiftedClock(DateTimeOffset start) : TimeProvider
    {
        private readonly global::System.Diagnostics.Stopwatch _watch = global::System.Diagnostics.Stopwatch.StartNew();
        public override DateTimeOffset GetUtcNow() => start + _watch.Elapsed;
    }

    private AppSpec Spec(int? port = null, string? cron = null, IReadOnlyList<string>? watch = null) => new()
    {
        Name = "t", Script = "x", Command = "x", Cwd = _dir, Port = port, CronRestart = cron, Watch = watch, WatchDelayMs = 300,
    };

    [Fact]
    public void CronDailyAtThree_ClockHalfASecondBefore_RestartsTheRunningInstancesOnce()
    {
        var supervisor = CreateTestProbe();
        // Two seconds of margin: on a loaded machine the actor may take a while to compute its first occurrence.
        var clock = new ShiftedClock(new DateTimeOffset(2025, 3, 10, 2, 59, 58, 0, TimeSpan.Zero));
        Sys.ActorOf(AppTriggers.Props(Spec(cron: "0 3 * * *"), supervisor, _settings, clock, TimeZoneInfo.Utc));
        supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.True(supervisor.ExpectMsg<SupervisorProtocol.RestartRunning>(TimeSpan.FromSeconds(6)).Finished); // a periodic job runs again
        supervisor.Reply(new Pbm.Runtime.Messages.HostProtocol.HostDone("test", "t"));
        // The next occurrence is tomorrow at 03:00: nothing more now.
        supervisor.ExpectNoMsg(TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public void CronWithPort_Reloads()
    {
        var supervisor = CreateTestProbe();
        var clock = new ShiftedClock(new DateTimeOffset(2025, 3, 10, 23, 59, 58, 500, TimeSpan.Zero));
        Sys.ActorOf(AppTriggers.Props(Spec(port: 8080, cron: "@daily"), supervisor, _settings, clock, TimeZoneInfo.Utc));
        Assert.Equal(1, supervisor.ExpectMsg<SupervisorProtocol.ReloadCurrent>(TimeSpan.FromSeconds(6)).Parallel);
    }

    [Fact]
    public void CronFarAway_NothingHappens()
    {
        var supervisor = CreateTestProbe();
        var clock = new ShiftedClock(new DateTimeOffset(2025, 3, 10, 3, 0, 1, TimeSpan.Zero));
        Sys.ActorOf(AppTriggers.Props(Spec(cron: "0 3 * * *"), supervisor, _settings, clock, TimeZoneInfo.Utc));
        supervisor.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Watch_BurstOfChanges_OneRestartAfterTheDebounce_IgnoredFoldersDoNothing()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "src"));
        Directory.CreateDirectory(Path.Combine(_dir, "node_modules", "dep"));
        var supervisor = CreateTestProbe();
        Sys.ActorOf(AppTriggers.Props(Spec(watch: [_dir]), supervisor, _settings));
        Thread.Sleep(200); // let inotify watches be in place (no message to wait for)
        File.WriteAllText(Path.Combine(_dir, "node_modules", "dep", "index.js"), "x");
        File.WriteAllText(Path.Combine(_dir, "out.log"), "x");
        supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
        for (var i = 0; i < 5; i++) File.WriteAllText(Path.Combine(_dir, "src", "app.js"), $"v{i}");
        Assert.False(supervisor.ExpectMsg<SupervisorProtocol.RestartRunning>(TimeSpan.FromSeconds(3)).Finished);
        supervisor.Reply(new Pbm.Runtime.Messages.HostProtocol.HostDone("test", "t"));
        supervisor.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, true);
    }
}
