using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

/// <summary>--after (systemd's After=): an app starts once the apps it names have their instances ready; --restart-with (PartOf=).</summary>
public sealed class StartOrderTests
{
    /// <summary>When the first instance of <paramref name="app"/> became online (its "started pid" event).</summary>
    private static async Task<DateTimeOffset> OnlineAtAsync(Sandbox box, string app) =>
        (await box.InstancesAsync(app)).SelectMany(i => i.Events).First(e => e.Text.StartsWith("started pid", StringComparison.Ordinal)).At;

    [Fact]
    public async Task AppFile_StartsEachAppOnceTheAppsItNamesAreReady_WhateverTheirOrderInTheFile()
    {
        await using var box = new Sandbox();
        var file = Path.Combine(box.Work, "apps.json");
        // web comes first in the file but starts after db, which takes 1.5 s to say it is ready.
        await File.WriteAllTextAsync(file, $$"""
            { "apps": [
              { "name": "web", "script": "{{Repo.App("idle.js")}}", "after": ["db"] },
              { "name": "db", "script": "{{Repo.App("web.js")}}", "wait_ready": true, "listen_timeout": 10000, "env": { "READY_AFTER_MS": "1500" } }
            ] }
            """);
        var started = await box.RunAsync("start", file);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.True(started.Stdout.IndexOf("started db", StringComparison.Ordinal) < started.Stdout.IndexOf("started web", StringComparison.Ordinal), started.Stdout);
        var web = (await box.InstancesAsync("web")).Single();
        Assert.True(web.StartedAt >= await OnlineAtAsync(box, "db"), "web started before db was ready");
    }

    [Fact]
    public async Task Start_WhileTheAppItNamesIsStillStarting_WaitsForItToBeReady()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "warmup");
        var db = box.RunAsync("start", Repo.App("web.js"), "--name", "db", "--wait-ready", "--env", "READY_AFTER_MS=2000");
        await Sandbox.EventuallyAsync(() => box.ListAsync(), l => l.Apps.Any(a => a.Spec.Name == "db"), "db registered");
        var web = await box.RunAsync("start", Repo.App("idle.js"), "--name", "web", "--after", "db");
        Assert.True(web.ExitCode == 0, web.ToString());
        Assert.Equal(0, (await db).ExitCode);
        var webInstance = (await box.InstancesAsync("web")).Single();
        Assert.True(webInstance.StartedAt >= await OnlineAtAsync(box, "db"), "web started before db was ready");
        Assert.Contains("after", await box.OkAsync("show", "web"));
    }

    [Fact]
    public async Task Cycle_InAnAppFile_FailsNamingIt_BeforeAnythingStarts()
    {
        await using var box = new Sandbox();
        var file = Path.Combine(box.Work, "apps.hocon");
        await File.WriteAllTextAsync(file, $$"""
            apps {
              a { script = "{{Repo.App("idle.js")}}", after = [c] }
              b { script = "{{Repo.App("idle.js")}}", after = [a] }
              c { script = "{{Repo.App("idle.js")}}", after = [b] }
            }
            """);
        var result = await box.RunAsync("start", file);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("start order has a cycle: a -> c -> b -> a (--after)", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Empty((await box.ListAsync()).Apps);
    }

    [Fact]
    public async Task After_AnAppThatDoesNotExist_IsRefusedInOneLine()
    {
        await using var box = new Sandbox();
        var result = await box.RunAsync("start", Repo.App("idle.js"), "--name", "web", "--after", "ghost");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("web: --after ghost: no app named ghost", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Empty((await box.ListAsync()).Apps);
    }

    [Fact]
    public async Task RestartingADependency_RestartsOnlyTheAppsThatAskForIt()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "db");
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "web", "--after", "db", "--restart-with");
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "worker", "--after", "db");
        var webPid = (await box.InstancesAsync("web")).Single().Pid;
        var workerPid = (await box.InstancesAsync("worker")).Single().Pid;

        await box.OkAsync("restart", "db");
        await Sandbox.EventuallyAsync(() => box.InstancesAsync("web"), l => l.Single() is { Status: InstanceStatus.Online } w && w.Pid != webPid, "web restarted with db");
        Assert.Equal(workerPid, (await box.InstancesAsync("worker")).Single().Pid);

        // Restarting the dependent leaves the dependency alone.
        var dbPid = (await box.InstancesAsync("db")).Single().Pid;
        await box.OkAsync("restart", "web");
        Assert.Equal(dbPid, (await box.InstancesAsync("db")).Single().Pid);
    }
}
