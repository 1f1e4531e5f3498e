using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Ecosystem;

public sealed class WatchTests
{
    [Fact]
    public async Task Watch_FileEdited_RestartsOnceAfterTheBurst_IgnoredFoldersDoNothing()
    {
        await using var box = new Sandbox();
        var app = Path.Combine(box.Work, "app");
        Directory.CreateDirectory(Path.Combine(app, "node_modules", "dep"));
        Directory.CreateDirectory(Path.Combine(app, "lib"));
        await File.WriteAllTextAsync(Path.Combine(app, "server.js"), await File.ReadAllTextAsync(Repo.App("idle.js")));
        await box.OkAsync("start", Path.Combine(app, "server.js"), "--watch", "--watch-delay", "300ms", "--ignore-watch", "*.tmp");
        var before = (await box.InstancesAsync("server")).Single();
        Assert.Equal(InstanceStatus.Online, before.Status);

        await File.WriteAllTextAsync(Path.Combine(app, "node_modules", "dep", "index.js"), "changed");
        await File.WriteAllTextAsync(Path.Combine(app, "scratch.tmp"), "changed");
        await Task.Delay(1500);
        var still = (await box.InstancesAsync("server")).Single();
        Assert.Equal(before.Pid, still.Pid);
        Assert.Equal(0, still.Restarts);

        for (var i = 0; i < 5; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(app, "lib", "util.js"), $"module.exports = {i};");
            await Task.Delay(50);
        }
        var after = await Sandbox.EventuallyAsync(async () => (await box.InstancesAsync("server")).Single(),
            i => i.Pid != before.Pid && i.Status == InstanceStatus.Online, "a restart after the edit", TimeSpan.FromSeconds(10));
        Assert.Equal(1, after.Restarts);
        await Task.Delay(1000);
        Assert.Equal(1, (await box.InstancesAsync("server")).Single().Restarts);
        Assert.Contains("restart", (await box.OkAsync("show", "server")).Split('\n').Single(l => l.Contains("watch")));
    }

    [Fact]
    public async Task Watch_AppWithPort_ReloadsEveryInstanceWithoutAFailedRequest()
    {
        await using var box = new Sandbox();
        var app = Path.Combine(box.Work, "site");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "web.js"), await File.ReadAllTextAsync(Repo.App("web.js")));
        var port = Ports.Free();
        await box.OkAsync("start", Path.Combine(app, "web.js"), "-i", "2", "--port", port.ToString(), "--watch", "--watch-delay", "200ms");
        var before = (await box.InstancesAsync("web")).Select(i => i.Pid).ToList();
        await using var load = new LoadLoop(port, concurrency: 2);
        await Task.Delay(300);
        await File.WriteAllTextAsync(Path.Combine(app, "config.json"), "{}");
        await Sandbox.EventuallyAsync(async () => await box.InstancesAsync("web"),
            l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online && !before.Contains(i.Pid)), "every instance replaced", TimeSpan.FromSeconds(20));
        await load.StopAsync();
        Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} failed requests: {string.Join(" | ", load.Failures.Take(5))}");
        Assert.True(load.Ok > 20, $"only {load.Ok} requests served");
    }
}
