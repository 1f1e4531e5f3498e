using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

public sealed class DaemonRecoveryTests
{
    [Fact]
    public async Task DaemonKilledNine_NextCommandBringsEveryAppBackWithoutDuplicatesOrOrphans()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("grandchild.js"), "-i", "2", "--env", $"WORK_DIR={box.Work}");
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "3");
        await box.OkAsync("stop", "idle:2");
        var before = (await box.ListAsync()).Apps.SelectMany(a => a.Instances).Where(i => i.Pid is not null).Select(i => i.Pid!.Value).ToList();
        Assert.Equal(4, before.Count);
        var daemon = Sandbox.DaemonPid(box.Home);

        System.Diagnostics.Process.GetProcessById(daemon).Kill();
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(daemon)), a => !a, "the daemon to die");

        var list = await box.ListAsync();
        Assert.NotEqual(daemon, Sandbox.DaemonPid(box.Home));
        var grand = list.Apps.Single(a => a.Spec.Name == "grandchild").Instances;
        var idle = list.Apps.Single(a => a.Spec.Name == "idle").Instances;
        Assert.Equal(2, grand.Count);
        Assert.Equal(3, idle.Count);
        Assert.All(grand.Concat(idle), i => Assert.Equal(InstanceStatus.Online, i.Status));
        // Every old process (and the grandchildren) is gone: no orphans, no duplicates.
        Assert.All(before, pid => Assert.False(ProcessTable.Alive(pid), $"old pid {pid} still runs"));
        var running = ProcessTable.WithCommandLine(Repo.App("idle.js")).Where(p => ProcessTable.WithEnv("PBM_HOME", box.Home).Contains(p)).ToList();
        Assert.Equal(3, running.Count);
        // An instance forking its `sh` shows the parent's command line until the exec: wait that out (a duplicate
        // instance would stay).
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.WithCommandLine(Repo.App("grandchild.js")).Count(p => ProcessTable.WithEnv("PBM_HOME", box.Home).Contains(p))),
            n => n == 2, "exactly two grandchild.js instances", TimeSpan.FromSeconds(5));
        // Each new instance spawns its grandchild a moment after it is online: wait for them (a loaded machine is slow).
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.WithCommandLine("sleep 600").Count(p => ProcessTable.WithEnv("PBM_HOME", box.Home).Contains(p))),
            n => n == 2, "the two new grandchildren", TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.Equal(2, ProcessTable.WithCommandLine("sleep 600").Count(p => ProcessTable.WithEnv("PBM_HOME", box.Home).Contains(p)));
    }

    [Fact]
    public async Task DaemonKilledNine_DetachedGrandchildrenAreReaped_ByTheNextDaemon_AndByPbmKill()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("detached.js"), "--env", $"WORK_DIR={box.Work}");
        var file = Path.Combine(box.Work, "detached-0.pid");
        async Task<int> GrandchildAsync()
        {
            var text = await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(file) ? File.ReadAllText(file).Trim() : ""),
                t => t.Length > 0, "detached.js to record its grandchild");
            File.Delete(file);
            return int.Parse(text);
        }
        var first = await GrandchildAsync();
        var killed = Sandbox.DaemonPid(box.Home);
        System.Diagnostics.Process.GetProcessById(killed).Kill();
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(killed)), a => !a, "the daemon to die");
        Assert.True(ProcessTable.Alive(first), "the app should run on as an orphan");

        // The next command starts a daemon, which reaps the old instance's tree (its cgroup, recorded in pids/) first.
        Assert.Equal(InstanceStatus.Online, (await box.InstancesAsync("detached"))[0].Status);
        Assert.False(ProcessTable.Alive(first), "the old run's detached grandchild survived the next daemon's start");
        var second = await GrandchildAsync();
        if (Cgroups.Usable) Assert.Single(Cgroups.InstanceDirectories(box.Home));

        killed = Sandbox.DaemonPid(box.Home);
        System.Diagnostics.Process.GetProcessById(killed).Kill();
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(killed)), a => !a, "the daemon to die");
        var kill = await box.RunAsync("kill");
        Assert.Equal(0, kill.ExitCode);
        Assert.False(ProcessTable.Alive(second), "the detached grandchild survived pbm kill after a kill -9");
        Assert.Empty(ProcessTable.WithEnv("PBM_HOME", box.Home));
        Assert.False(Directory.Exists(Cgroups.HomeDirectory(box.Home)), "the home's cgroups were left behind");
    }

    [Fact]
    public async Task DaemonKilledNine_PbmKillStillCleansUp()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "2");
        var pids = (await box.InstancesAsync("idle")).Select(i => i.Pid!.Value).ToList();
        System.Diagnostics.Process.GetProcessById(Sandbox.DaemonPid(box.Home)).Kill();
        await Sandbox.EventuallyAsync(() => Task.FromResult(pids.Count(ProcessTable.Alive)), n => n == 2, "apps still running as orphans");

        var kill = await box.RunAsync("kill");
        Assert.Equal(0, kill.ExitCode);
        Assert.All(pids, pid => Assert.False(ProcessTable.Alive(pid), $"orphan {pid} survived pbm kill"));
        Assert.Empty(ProcessTable.WithEnv("PBM_HOME", box.Home));
    }

    [Fact]
    public async Task StateFile_IsWrittenOnEveryChange_AndSaveResurrectRoundTrips()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "2");
        await box.OkAsync("start", Repo.App("env.js"), "--env", $"WORK_DIR={box.Work}");
        var state = await File.ReadAllTextAsync(Path.Combine(box.Home, "state", "apps.json"));
        Assert.Contains("\"idle\"", state);
        Assert.Contains("\"env\"", state);

        var save = await box.OkAsync("save");
        Assert.Contains("saved 2 apps", save);
        await box.OkAsync("scale", "idle", "+1");
        await box.OkAsync("kill");
        Assert.Empty((await box.ListAsync()).Apps);

        var resurrect = await box.OkAsync("resurrect");
        Assert.Contains("resurrected env, idle", resurrect);
        var list = await box.ListAsync();
        Assert.Equal(2, list.Apps.Single(a => a.Spec.Name == "idle").Instances.Count(i => i.Status == InstanceStatus.Online));
        Assert.Single(list.Apps.Single(a => a.Spec.Name == "env").Instances);

        var named = await box.OkAsync("save", "nightly");
        Assert.Contains(Path.Combine(box.Home, "dump-nightly.json"), named);
        var none = await box.RunAsync("resurrect", "nope");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no dump at", none.Stderr);
    }

    [Fact]
    public async Task Scale_GrowsAndShrinksByNumberOrDelta()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "2");
        await box.OkAsync("scale", "idle", "4");
        Assert.Equal(4, (await box.InstancesAsync("idle")).Count(i => i.Status == InstanceStatus.Online));
        var before = await box.InstancesAsync("idle");
        await box.OkAsync("scale", "idle", "-3");
        var after = await box.InstancesAsync("idle");
        Assert.Single(after);
        Assert.Equal(before[0].Pid, after[0].Pid);
        Assert.All(before.Skip(1), i => Assert.False(ProcessTable.Alive(i.Pid!.Value)));
        await box.OkAsync("scale", "idle", "+2");
        Assert.Equal(3, (await box.InstancesAsync("idle")).Count(i => i.Status == InstanceStatus.Online));
        var bad = await box.RunAsync("scale", "idle", "-3");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("would leave 0 instances", bad.Stderr);
    }
}
