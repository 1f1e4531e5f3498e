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
