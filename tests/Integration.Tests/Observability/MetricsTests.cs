using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Observability;

public sealed class MetricsTests
{
    [Fact]
    public async Task ListAndShow_GiveCpuAndMemoryOfTheWholeTreeAndTheHost()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("grandchild.js"), "--env", $"WORK_DIR={box.Work}");
        // node plus the sleep it left behind in its session: both are counted.
        var i = await Sandbox.EventuallyAsync(async () => (await box.InstancesAsync("grandchild"))[0],
            x => x.Processes >= 2 && x.Memory > 5 * 1024 * 1024 && x.Cpu is not null, "tree metrics");
        Assert.InRange(i.Cpu!.Value, 0, 200);

        var list = await box.ListAsync();
        var host = Assert.Single(list.Hosts);
        Assert.True(host.MemoryTotal > host.MemoryAvailable && host.MemoryAvailable > 0, host.ToString());
        Assert.Equal(Environment.ProcessorCount, host.Cores);

        var table = await box.OkAsync("list");
        Assert.Contains("CPU", table);
        Assert.Contains("MEM", table);
        Assert.Matches(@"grandchild:0 .* \d+\.\d% +\d+(\.\d)? MB", table);

        var shown = await box.OkAsync("show", "grandchild");
        Assert.Matches(@"host +\S+: cpu \d+\.\d% of \d+ cores, memory .* used of .*, load \d+\.\d\d", shown);
        Assert.Matches(@"grandchild:0 online  pid \d+  cpu \d+\.\d%  mem .* \(\d+ processes\)", shown);
    }

    [Fact]
    public async Task MaxMemory_RestartsAnAppThatAllocates()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("hog.js"), "--max-memory", "200M");
        var first = (await box.InstancesAsync("hog"))[0].Pid;
        var i = await Sandbox.EventuallyAsync(async () => (await box.InstancesAsync("hog"))[0],
            x => x.Restarts >= 1 && x.Pid != first && x.Status == InstanceStatus.Online, "hog:0 to be restarted for its memory");
        Assert.Contains(i.Events, e => e.Text.Contains("over the limit of 200 MB", StringComparison.Ordinal));
        var log = await File.ReadAllTextAsync(Path.Combine(box.Home, "pbm.log"));
        Assert.Contains("hog:0 memory", log);
        // Stopped gracefully, then restarted through the restart policy (a long enough run: at once).
        Assert.Contains("over the limit of 200 MB: stopping it; the restart policy decides what follows", log);
        Assert.Contains("hog:0 pid " + first + " stopped for its memory", log);
        Assert.Contains("hog:0 restart #1 in 0 ms", log);
        Assert.Contains("max-memory", await box.OkAsync("show", "hog"));
    }
    [Fact]
    public async Task MaxMemory_AnAppOverTheLimitAtOnce_EndsErroredAfterMaxRestarts_WithBackoff()
    {
        await using var box = new Sandbox();
        await box.RunAsync("start", Repo.App("leak.js"), "--max-memory", "60M", "--max-restarts", "2", "--min-uptime", "20s");
        var i = await Sandbox.EventuallyAsync(async () => (await box.InstancesAsync("leak"))[0],
            x => x.Status == InstanceStatus.Errored, "leak:0 to be errored by its restart policy", TimeSpan.FromSeconds(40));
        Assert.Equal(2, i.Restarts);
        Assert.Contains("3 unstable starts in a row", i.Reason);
        Assert.Contains("over the limit of 60 MB", i.LastExit!.Detail);
        Assert.Null(i.Pid);
        // Each stop for memory went through the policy: backoff 100 ms, then 200 ms (+-20%).
        var log = await File.ReadAllLinesAsync(Path.Combine(box.Home, "pbm.log"));
        var delays = log.Where(l => l.Contains("leak:0 restart #", StringComparison.Ordinal)).Select(l =>
        {
            var at = l.IndexOf(" in ", StringComparison.Ordinal) + 4;
            return int.Parse(l[at..l.IndexOf(" ms", at, StringComparison.Ordinal)]);
        }).ToList();
        Assert.Equal(2, delays.Count);
        Assert.InRange(delays[0], 79, 121);
        Assert.InRange(delays[1], 159, 241);
        // Errored stays errored.
        await Task.Delay(2500);
        Assert.Equal(2, (await box.InstancesAsync("leak"))[0].Restarts);
    }
}
