using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

public sealed class RestartPolicyTests
{
    [Fact]
    public async Task KillNineOfAnInstance_ComesBackWithNewPidAndOneRestart()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Path.Combine(Repo.Root, "examples", "hello", "app.js"), "-i", "4", "--name", "hello");
        var before = await box.InstancesAsync("hello");
        var victim = before[1];
        Assert.Equal(0, victim.Restarts);

        Process_Kill9(victim.Pid!.Value);

        var after = await Sandbox.EventuallyAsync(() => box.InstancesAsync("hello"),
            l => l[1].Status == InstanceStatus.Online && l[1].Pid != victim.Pid,
            "hello:1 to come back with a new pid");
        Assert.Equal(1, after[1].Restarts);
        Assert.True(ProcessTable.Alive(after[1].Pid!.Value));
        Assert.Equal(137, after[1].LastExit!.Code);
        Assert.Equal("SIGKILL", after[1].LastExit!.Signal);
        // The others were not touched.
        foreach (var n in new[] { 0, 2, 3 })
        {
            Assert.Equal(before[n].Pid, after[n].Pid);
            Assert.Equal(0, after[n].Restarts);
        }
    }

    [Fact]
    public async Task AppThatExitsAtOnce_EndsErroredWithReasonAfterMaxRestarts()
    {
        await using var box = new Sandbox();
        var start = await box.RunAsync("start", Repo.App("crash.js"), "--max-restarts", "3");
        // The start says at once that the instance died, with what it printed, and fails.
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("crash: 1 of 1 instance exited at start (crash.js: cannot connect to the database at db.invalid:5432)", start.Stderr);

        var app = await Sandbox.EventuallyAsync(() => box.ShowAsync("crash"),
            a => a.Instances.Single().Status == InstanceStatus.Errored, "crash:0 to be errored", TimeSpan.FromSeconds(20));
        var instance = app.Instances.Single();
        Assert.Equal(3, instance.Restarts);
        Assert.Contains("4 unstable starts in a row", instance.Reason);
        Assert.Equal(3, instance.LastExit!.Code);
        Assert.Contains("cannot connect to the database", instance.LastExit.Detail);
        Assert.Null(instance.Pid);

        var shown = await box.OkAsync("show", "crash");
        Assert.Contains("errored", shown);
        Assert.Contains("cannot connect to the database", shown);

        // Errored stays errored: no more attempts.
        await Task.Delay(1500);
        Assert.Equal(3, (await box.InstancesAsync("crash")).Single().Restarts);

        // pbm restart gives it a new series of attempts.
        await box.OkAsync("restart", "crash");
        await Sandbox.EventuallyAsync(() => box.InstancesAsync("crash"), l => l[0].Restarts >= 5, "crash:0 to be retried after pbm restart");
    }

    [Fact]
    public async Task UnstableStarts_BackOffExponentially()
    {
        await using var box = new Sandbox();
        await box.RunAsync("start", Repo.App("crash.js"), "--max-restarts", "5"); // exits 1: the instance dies at once
        var app = await Sandbox.EventuallyAsync(() => box.ShowAsync("crash"),
            a => a.Instances.Single().Status == InstanceStatus.Errored, "crash:0 to be errored", TimeSpan.FromSeconds(30));
        // Delays 100, 200, 400, 800, 1600 ms (+-20%) between 6 starts: at least 2.5 s in all.
        var log = await File.ReadAllLinesAsync(Path.Combine(box.Home, "pbm.log"));
        var delays = log.Where(l => l.Contains("crash:0 restart #")).Select(l =>
        {
            var at = l.IndexOf(" in ", StringComparison.Ordinal) + 4;
            return int.Parse(l[at..l.IndexOf(" ms", at, StringComparison.Ordinal)]);
        }).ToList();
        Assert.Equal(5, delays.Count);
        for (var i = 0; i < delays.Count; i++)
        {
            var nominal = 100 * Math.Pow(2, i);
            Assert.InRange(delays[i], nominal * 0.79, nominal * 1.21);
        }
        Assert.Equal(5, app.Instances.Single().Restarts);
    }

    [Fact]
    public async Task NoAutorestart_LeavesTheInstanceStopped()
    {
        await using var box = new Sandbox();
        var start = await box.RunAsync("start", Repo.App("crash.js"), "--no-autorestart");
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("cannot connect to the database", start.Stderr);
        var i = await Sandbox.EventuallyAsync(() => box.InstancesAsync("crash"), l => l[0].Status == InstanceStatus.Stopped, "crash:0 to stop");
        Assert.Equal(0, i[0].Restarts);
        Assert.Contains("autorestart is off", i[0].Reason);
    }

    [Fact]
    public async Task StopExitCode_IsNotRestarted()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("crash.js"), "--stop-exit-codes", "0,3");
        var i = await Sandbox.EventuallyAsync(() => box.InstancesAsync("crash"), l => l[0].Status == InstanceStatus.Stopped, "crash:0 to stop");
        Assert.Equal(0, i[0].Restarts);
        Assert.Contains("stop exit code", i[0].Reason);
    }

    private static void Process_Kill9(int pid) => System.Diagnostics.Process.GetProcessById(pid).Kill();
}
