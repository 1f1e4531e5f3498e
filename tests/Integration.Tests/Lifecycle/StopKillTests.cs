using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

public sealed class StopKillTests
{
    private static async Task<int> GrandchildPidAsync(Sandbox box, int index)
    {
        var file = Path.Combine(box.Work, $"grandchild-{index}.pid");
        var text = await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(file) ? File.ReadAllText(file).Trim() : ""),
            t => t.Length > 0, $"{file} to be written");
        File.Delete(file);
        return int.Parse(text);
    }

    [Fact]
    public async Task Stop_KillsADoubleForkedGrandchild()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("grandchild.js"), "--env", $"WORK_DIR={box.Work}");
        var grandchild = await GrandchildPidAsync(box, 0);
        var leader = (await box.InstancesAsync("grandchild"))[0].Pid!.Value;
        Assert.True(ProcessTable.Alive(grandchild));

        var stop = await box.OkAsync("stop", "grandchild");
        Assert.Contains("stopped grandchild", stop);
        Assert.False(ProcessTable.Alive(leader), "the instance survived stop");
        await Sandbox.EventuallyAsync(() => Task.FromResult(ProcessTable.Alive(grandchild)), a => !a, "the grandchild to die", TimeSpan.FromSeconds(3));
        Assert.Equal(InstanceStatus.Stopped, (await box.InstancesAsync("grandchild"))[0].Status);
    }

    [Fact]
    public async Task StopOfAnAppIgnoringSigterm_SigkillsAfterKillTimeout()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("grandchild.js"), "--env", $"WORK_DIR={box.Work}", "--env", "IGNORE_TERM=1", "--kill-timeout", "700ms");
        var grandchild = await GrandchildPidAsync(box, 0);
        var watch = Stopwatch.StartNew();
        await box.OkAsync("stop", "grandchild");
        Assert.InRange(watch.ElapsedMilliseconds, 600, 5000);
        Assert.False(ProcessTable.Alive(grandchild));
        var exit = (await box.InstancesAsync("grandchild"))[0];
        Assert.Equal(InstanceStatus.Stopped, exit.Status);
    }

    [Fact]
    public async Task RestartAndDelete_LeaveNoGrandchildBehind()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("grandchild.js"), "-i", "2", "--env", $"WORK_DIR={box.Work}");
        var first = new[] { await GrandchildPidAsync(box, 0), await GrandchildPidAsync(box, 1) };
        await box.OkAsync("restart", "grandchild");
        await Sandbox.EventuallyAsync(() => Task.FromResult(first.Count(ProcessTable.Alive)), n => n == 0, "old grandchildren to die", TimeSpan.FromSeconds(3));
        var second = new[] { await GrandchildPidAsync(box, 0), await GrandchildPidAsync(box, 1) };
        var instances = await box.InstancesAsync("grandchild");
        Assert.All(instances, i => Assert.Equal(1, i.Restarts));

        await box.OkAsync("delete", "grandchild");
        Assert.Empty((await box.ListAsync()).Apps);
        await Sandbox.EventuallyAsync(() => Task.FromResult(second.Count(ProcessTable.Alive)), n => n == 0, "grandchildren to die on delete", TimeSpan.FromSeconds(3));
        Assert.All(instances, i => Assert.False(ProcessTable.Alive(i.Pid!.Value)));
    }

    [Fact]
    public async Task Kill_StopsTheDaemonAndEveryApp()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("grandchild.js"), "-i", "2", "--env", $"WORK_DIR={box.Work}");
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "3");
        var grandchildren = new[] { await GrandchildPidAsync(box, 0), await GrandchildPidAsync(box, 1) };
        var pids = (await box.ListAsync()).Apps.SelectMany(a => a.Instances).Select(i => i.Pid!.Value).ToList();
        var daemon = Sandbox.DaemonPid(box.Home);
        Assert.True(daemon > 0 && ProcessTable.Alive(daemon));

        var kill = await box.OkAsync("kill");
        Assert.Contains("daemon stopped", kill);
        Assert.False(ProcessTable.Alive(daemon), "the daemon survived pbm kill");
        Assert.All(pids.Concat(grandchildren), pid => Assert.False(ProcessTable.Alive(pid), $"pid {pid} survived pbm kill"));
        Assert.Empty(ProcessTable.WithEnv("PBM_HOME", box.Home));

        // A new daemon starts with no apps: kill forgets them (resurrect brings a saved set back).
        Assert.Empty((await box.ListAsync()).Apps);
    }

    /// <summary>The pid detached.js recorded for instance <paramref name="index"/>'s grandchild (the file is taken, so the next run's is awaited next).</summary>
    private static async Task<int> DetachedPidAsync(Sandbox box, int index)
    {
        var file = Path.Combine(box.Work, $"detached-{index}.pid");
        var text = await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(file) ? File.ReadAllText(file).Trim() : ""),
            t => t.Length > 0, $"{file} to be written");
        File.Delete(file);
        return int.Parse(text);
    }

    private static Task GoneAsync(IEnumerable<int> pids, string what) =>
        Sandbox.EventuallyAsync(() => Task.FromResult(pids.Where(ProcessTable.Alive).ToList()), l => l.Count == 0, what, TimeSpan.FromSeconds(5));

    /// <summary>
    /// The grandchild left the instance's session; with cgroups (root here) it is in the instance's cgroup,
    /// OWN/pbm-HASH/APP-N-PID, and pbm.log says which method the daemon uses.
    /// </summary>
    private static void AssertTracked(Sandbox box, string app, int index, int leader, int grandchild)
    {
        Assert.NotEqual(leader, ProcessTable.Session(grandchild));
        var log = File.ReadAllText(Path.Combine(box.Home, "pbm.log"));
        if (!Cgroups.Usable || box.Env.GetValueOrDefault("PBM__PROCESSES__CGROUPS") == "off")
        {
            Assert.Contains("instance process trees are tracked by walking /proc", log);
            Assert.Empty(Cgroups.InstanceDirectories(box.Home));
            return;
        }
        Assert.Contains("instance process trees are tracked with cgroup v2", log);
        Assert.Equal(Path.Combine(Cgroups.HomeDirectory(box.Home)!, $"{app}-{index}-{leader}"), Cgroups.Of(grandchild));
    }

    [Fact]
    public async Task Stop_KillsADetachedGrandchildInASessionOfItsOwn()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("detached.js"), "--env", $"WORK_DIR={box.Work}");
        var grandchild = await DetachedPidAsync(box, 0);
        var leader = (await box.InstancesAsync("detached"))[0].Pid!.Value;
        AssertTracked(box, "detached", 0, leader, grandchild);

        await box.OkAsync("stop", "detached");
        Assert.False(ProcessTable.Alive(leader), "the instance survived stop");
        await GoneAsync([grandchild], "the detached grandchild to die on stop");
        Assert.Empty(Cgroups.InstanceDirectories(box.Home));
    }

    [Fact]
    public async Task RestartAndDelete_LeaveNoDetachedGrandchildBehind()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("detached.js"), "-i", "2", "--env", $"WORK_DIR={box.Work}");
        var first = new[] { await DetachedPidAsync(box, 0), await DetachedPidAsync(box, 1) };
        await box.OkAsync("restart", "detached");
        await GoneAsync(first, "the first run's detached grandchildren to die on restart");
        var second = new[] { await DetachedPidAsync(box, 0), await DetachedPidAsync(box, 1) };
        if (Cgroups.Usable) Assert.Equal(2, Cgroups.InstanceDirectories(box.Home).Count);

        await box.OkAsync("delete", "detached");
        await GoneAsync(second, "the detached grandchildren to die on delete");
        Assert.Empty(Cgroups.InstanceDirectories(box.Home));
    }

    [Fact]
    public async Task ACrash_TakesTheDetachedGrandchildOfTheCrashedRunWithIt()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("detached.js"), "--env", $"WORK_DIR={box.Work}", "--env", $"CRASH_MARKER={Path.Combine(box.Work, "crashed")}");
        var crashed = await DetachedPidAsync(box, 0);
        var leader = (await box.InstancesAsync("detached"))[0].Pid!.Value;
        AssertTracked(box, "detached", 0, leader, crashed);

        // The first run exits with code 1 two seconds in; the restarted run starts a grandchild of its own.
        var next = await DetachedPidAsync(box, 0);
        await GoneAsync([crashed], "the crashed run's detached grandchild to die");
        var instance = (await box.InstancesAsync("detached"))[0];
        Assert.Equal(1, instance.Restarts);
        Assert.True(ProcessTable.Alive(next), "the restarted run's grandchild was killed");
        AssertTracked(box, "detached", 0, instance.Pid!.Value, next);
    }

    [Fact]
    public async Task Kill_KillsDetachedGrandchildren_AndRemovesTheHomesCgroups()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("detached.js"), "-i", "2", "--env", $"WORK_DIR={box.Work}");
        var grandchildren = new[] { await DetachedPidAsync(box, 0), await DetachedPidAsync(box, 1) };
        Assert.Equal(Cgroups.Usable, Directory.Exists(Cgroups.HomeDirectory(box.Home)));

        await box.OkAsync("kill");
        Assert.All(grandchildren, pid => Assert.False(ProcessTable.Alive(pid), $"detached grandchild {pid} survived pbm kill"));
        Assert.Empty(ProcessTable.WithEnv("PBM_HOME", box.Home));
        Assert.False(Directory.Exists(Cgroups.HomeDirectory(box.Home)), "the home's cgroups were left behind");
    }

    [Fact]
    public async Task WithCgroupsOff_TheProcWalkKillsDetachedGrandchildren_OnCrashStopAndDelete()
    {
        await using var box = new Sandbox();
        box.Env["PBM__PROCESSES__CGROUPS"] = "off";
        await box.OkAsync("start", Repo.App("detached.js"), "--env", $"WORK_DIR={box.Work}", "--env", $"CRASH_MARKER={Path.Combine(box.Work, "crashed")}");
        var crashed = await DetachedPidAsync(box, 0);
        var leader = (await box.InstancesAsync("detached"))[0].Pid!.Value;
        AssertTracked(box, "detached", 0, leader, crashed);
        Assert.False(Directory.Exists(Cgroups.HomeDirectory(box.Home)), "cgroups were made though switched off");

        // Its parent crashes two seconds in, after metrics samples (every second) recorded it: reparented to init, it is
        // still known, and killed.
        var next = await DetachedPidAsync(box, 0);
        await GoneAsync([crashed], "the crashed run's detached grandchild to die");
        await box.OkAsync("stop", "detached");
        await GoneAsync([next], "the detached grandchild to die on stop");

        await box.OkAsync("restart", "detached");
        var last = await DetachedPidAsync(box, 0);
        await box.OkAsync("delete", "detached");
        await GoneAsync([last], "the detached grandchild to die on delete");
    }

    [Fact]
    public async Task StopAndStartOneInstance_LeavesTheOthersRunning()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "3");
        var before = await box.InstancesAsync("idle");
        await box.OkAsync("stop", "idle:1");
        var mid = await box.InstancesAsync("idle");
        Assert.Equal(InstanceStatus.Stopped, mid[1].Status);
        Assert.Equal(before[0].Pid, mid[0].Pid);
        Assert.Equal(before[2].Pid, mid[2].Pid);
        await box.OkAsync("restart", "idle:1");
        var after = await box.InstancesAsync("idle");
        Assert.Equal(InstanceStatus.Online, after[1].Status);
        Assert.NotEqual(before[1].Pid, after[1].Pid);
        Assert.Equal(before[0].Pid, after[0].Pid);
    }
}
