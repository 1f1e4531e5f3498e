using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Processes;
using Pbm.Runtime.Supervision;

namespace Pbm.Runtime.Tests.Supervision;

/// <summary>The supervisor and its workers with real OS processes (sh), through Akka's TestKit.</summary>
public sealed class AppSupervisorTests : TestKit, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-sup-").FullName;
    private readonly PbmSettings _settings = PbmSettings.From(PbmSettings.Reference);

    private AppSpec Spec(string script, int instances = 1, int? maxRestarts = null) => new()
    {
        Name = "t", Script = "sh", Command = "sh", Args = ["-c", script], Cwd = _dir, Instances = instances,
        Env = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["DIR"] = _dir },
        KillTimeoutMs = 1000,
        Restart = new RestartPolicySpec { MaxRestarts = maxRestarts, MinUptimeMs = 500 },
    };

    private IActorRef Supervisor(AppSpec spec, int instances)
    {
        var sup = Sys.ActorOf(AppSupervisor.Props(spec, _settings, new Pbm.Runtime.Logs.LogHub(_dir), new Pbm.Runtime.Metrics.MetricsBoard(), new PidRegistry(Path.Combine(_dir, "pids")), TreeTracking.WalkProc(TimeSpan.FromSeconds(3)), "test"));
        sup.Tell(new SupervisorProtocol.Apply(spec, Enumerable.Range(0, instances).ToList(), true));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        return sup;
    }

    private IReadOnlyList<InstanceInfo> Instances(IActorRef sup) =>
        sup.Ask<SupervisorProtocol.Instances>(SupervisorProtocol.GetInstances.Instance, TimeSpan.FromSeconds(3)).Result.List;

    [Fact]
    public void Apply_StartsEveryInstanceOnline()
    {
        var sup = Supervisor(Spec("exec sleep 60", 3), 3);
        var list = Instances(sup);
        Assert.Equal(3, list.Count);
        Assert.All(list, i => Assert.Equal(InstanceStatus.Online, i.Status));
        Assert.All(list, i => Assert.True(Directory.Exists($"/proc/{i.Pid}")));
        sup.Tell(SupervisorProtocol.Shutdown.Instance);
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        Assert.All(list, i => Assert.False(Directory.Exists($"/proc/{i.Pid}") && !File.ReadAllText($"/proc/{i.Pid}/stat").Contains(") Z")));
    }

    [Fact]
    public void ProcessKilled_StrategyRestartsTheWorkerWithANewPid()
    {
        var sup = Supervisor(Spec("exec sleep 60"), 1);
        var first = Instances(sup)[0];
        Native.Kill(first.Pid!.Value, 9);
        AwaitAssert(() =>
        {
            var now = Instances(sup)[0];
            Assert.Equal(InstanceStatus.Online, now.Status);
            Assert.NotEqual(first.Pid, now.Pid);
            Assert.Equal(1, now.Restarts);
            Assert.Equal(137, now.LastExit!.Code);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void CrashLoop_EndsErroredWithTheLastStderrLines()
    {
        var sup = Supervisor(Spec("echo 'boom: missing config' >&2; exit 4", maxRestarts: 2), 1);
        AwaitAssert(() =>
        {
            var i = Instances(sup)[0];
            Assert.Equal(InstanceStatus.Errored, i.Status);
            Assert.Equal(2, i.Restarts);
            Assert.Equal(4, i.LastExit!.Code);
            Assert.Contains("boom: missing config", i.LastExit.Detail);
            Assert.Contains("3 unstable starts", i.Reason);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        // Restart gives it a fresh series.
        sup.Tell(new SupervisorProtocol.RestartInstances(null));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.True(Instances(sup)[0].Restarts >= 3), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void StopThenApplyFewer_StopsAndForgetsTheRemovedInstances()
    {
        var spec = Spec("exec sleep 60", 3);
        var sup = Supervisor(spec, 3);
        var before = Instances(sup);
        sup.Tell(new SupervisorProtocol.Apply(spec with { Instances = 1 }, [0], true));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        var after = Instances(sup);
        Assert.Single(after);
        Assert.Equal(before[0].Pid, after[0].Pid);
        AwaitAssert(() => Assert.False(File.Exists($"/proc/{before[2].Pid}/stat") && !File.ReadAllText($"/proc/{before[2].Pid}/stat").Contains(") Z")),
            TimeSpan.FromSeconds(3));

        sup.Tell(new SupervisorProtocol.StopInstances(null));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        Assert.Equal(InstanceStatus.Stopped, Instances(sup)[0].Status);
    }

    [Fact]
    public void PeriodicJob_FinishedWithAutorestartOff_CronStartsItAgain_WatchAndStoppedDoNot()
    {
        // PM2's periodic-job pattern: autorestart false + cron_restart runs the job once per tick.
        var spec = Spec("echo run >> \"$DIR/runs\"; exit 0") with { Restart = new RestartPolicySpec { AutoRestart = false, MinUptimeMs = 500 } };
        var runs = Path.Combine(_dir, "runs");
        var sup = Supervisor(spec, 1);
        AwaitAssert(() => Assert.Equal(InstanceStatus.Stopped, Instances(sup)[0].Status), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        Assert.Single(File.ReadAllLines(runs));

        // A watch trigger restarts what runs: the finished job stays finished.
        sup.Tell(new SupervisorProtocol.RestartRunning(Finished: false));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        Thread.Sleep(300);
        Assert.Single(File.ReadAllLines(runs));

        // The cron tick runs it again.
        sup.Tell(new SupervisorProtocol.RestartRunning(Finished: true));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        AwaitAssert(() => Assert.Equal(2, File.ReadAllLines(runs).Length), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        AwaitAssert(() => Assert.Equal(InstanceStatus.Stopped, Instances(sup)[0].Status), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        // An instance stopped by pbm stop is not started by the cron.
        var looping = Spec("exec sleep 60");
        var sup2 = Supervisor(looping, 1);
        sup2.Tell(new SupervisorProtocol.StopInstances(null));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        sup2.Tell(new SupervisorProtocol.RestartRunning(Finished: true));
        ExpectMsg<HostProtocol.HostDone>(TimeSpan.FromSeconds(10));
        Thread.Sleep(300);
        Assert.Equal(InstanceStatus.Stopped, Instances(sup2)[0].Status);
    }

    public new void Dispose()
    {
        Shutdown();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
        base.Dispose();
    }
}
