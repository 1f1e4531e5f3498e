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
        Assert.Contains("over the limit of 200 MB: graceful restart #1", log);
        Assert.Contains("stopped on request, to restart", log);
        Assert.Contains("max-memory", await box.OkAsync("show", "hog"));
    }
}
