using System.Diagnostics;
using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Client.Transport;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

/// <summary>
/// Every request gets an answer, in seconds: a failure inside the master is an error with words, not a master
/// restart and a request left hanging; and no pending request holds up `pbm kill` or SIGTERM.
/// </summary>
public sealed class AnswerTests
{
    [Fact]
    public async Task SaveToADirectoryOrANameWithNul_AnswersAnErrorAtOnce_AndTheDaemonAnswersOn()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"));
        using var client = new PbmClient(PbmEndpoint.Local(Path.Combine(box.Home, "rpc.sock")), TimeSpan.FromSeconds(10));

        foreach (var name in new[] { "/", "a\0b", "/tmp/a\0b.json" })
        {
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<PbmException>(() => client.SaveAsync(name));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"save '{name}' answered after {watch.Elapsed}");
            Assert.NotNull(e.StatusCode);
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }

        var save = await box.RunAsync("save", "/");
        Assert.Equal(1, save.ExitCode);
        Assert.Contains("is a folder", save.Stderr);

        // The master did not restart: the app is still there, and pings answer.
        await box.OkAsync("ping");
        Assert.Single((await box.ListAsync()).Apps);
        Assert.Contains("saved 1 apps", await box.OkAsync("save"));
    }

    /// <summary>
    /// A deploy whose new version never gets ready (it does not listen; listen-timeout 2 min) keeps its
    /// `pbm deploy` waiting; the old version serves on.
    /// </summary>
    private static async Task<Task<CliResult>> DeployNeverReadyAsync(Sandbox box)
    {
        foreach (var (dir, app) in new[] { ("v1", "web.js"), ("v2", "idle.js") })
        {
            Directory.CreateDirectory(Path.Combine(box.Work, dir));
            File.Copy(Repo.App(app), Path.Combine(box.Work, dir, "app.js"));
        }
        await box.OkAsync("start", Path.Combine(box.Work, "v1", "app.js"), "--cwd", Path.Combine(box.Work, "v1"), "--name", "web",
            "--port", Ports.Free().ToString(), "--listen-timeout", "120s", "--kill-timeout", "2s");
        var pending = box.RunAsync(TimeSpan.FromSeconds(180), "deploy", "web", "--path", Path.Combine(box.Work, "v2"));
        await Sandbox.EventuallyAsync(() => box.ShowAsync("web"), a => a.Rollout?.State == "running", "the deploy to run");
        await Task.Delay(1000);
        Assert.False(pending.IsCompleted, "the deploy answered before its new instance was ready");
        return pending;
    }

    [Fact]
    public async Task Kill_WithADeployPending_FinishesWithinTheKillTimeout()
    {
        await using var box = new Sandbox();
        await box.OkAsync("ping");
        var daemon = Sandbox.DaemonPid(box.Home);
        var pending = await DeployNeverReadyAsync(box);

        var watch = Stopwatch.StartNew();
        var kill = await box.RunAsync(TimeSpan.FromSeconds(60), "kill");
        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2 + 5), $"pbm kill took {watch.Elapsed} (kill-timeout 2 s)");
        Assert.False(ProcessTable.Alive(daemon), "the daemon survived pbm kill");
        // The pending deploy got its answer too, at once: it did not complete.
        var deploy = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotEqual(0, deploy.ExitCode);
    }

    [Fact]
    public async Task Kill_OfAnAppSlowerToStopThanTheCommandWait_StillStopsItGracefully()
    {
        await using var box = new Sandbox();
        Directory.CreateDirectory(box.Home);
        await File.WriteAllTextAsync(Path.Combine(box.Home, "pbm.hocon"), "pbm.api.command-wait = 1s\n");
        var stopped = Path.Combine(box.Work, "stopped");
        await box.OkAsync("start", Repo.App("slowstop.js"), "--env", "STOP_MS=2500", "--env", $"STOPPED_FILE={stopped}", "--kill-timeout", "5s");
        var daemon = Sandbox.DaemonPid(box.Home);

        var watch = Stopwatch.StartNew();
        var kill = await box.RunAsync(TimeSpan.FromSeconds(60), "kill");
        Assert.True(kill.ExitCode == 0, kill.ToString());
        // The master answered "in progress" after 1 s; the daemon still let the app finish its stop before it exited.
        Assert.Contains("stopping 1 apps: not done after 1 s", kill.Stdout);
        Assert.False(ProcessTable.Alive(daemon), "the daemon survived pbm kill");
        Assert.True(File.Exists(stopped), "the app was killed before the end of its graceful stop");
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5 + 5));
    }

    [Fact]
    public async Task Sigterm_WithADeployPending_StopsTheDaemonWithinTheKillTimeout()
    {
        await using var box = new Sandbox();
        await box.OkAsync("ping");
        var daemon = Sandbox.DaemonPid(box.Home);
        var pending = await DeployNeverReadyAsync(box);
        var instances = (await box.InstancesAsync("web")).Where(i => i.Pid is not null).Select(i => i.Pid!.Value).ToList();

        var watch = Stopwatch.StartNew();
        Process.Start("kill", ["-TERM", daemon.ToString()]).WaitForExit();
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(daemon)), alive => !alive, "the daemon to exit on SIGTERM",
            TimeSpan.FromSeconds(30));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2 + 5), $"the daemon took {watch.Elapsed} to stop on SIGTERM (kill-timeout 2 s)");
        Assert.All(instances, pid => Assert.False(ProcessTable.Alive(pid), $"pid {pid} survived the daemon's SIGTERM"));
        var deploy = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotEqual(0, deploy.ExitCode);
        // The new version's instance, never ready, went with the old one.
        Assert.Empty(ProcessTable.WithEnv("PBM_HOME", box.Home));
    }
}
