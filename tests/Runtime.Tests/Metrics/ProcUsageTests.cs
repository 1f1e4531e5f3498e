using Pbm.Runtime.Metrics;

namespace Pbm.Runtime.Tests.Metrics;

public sealed class ProcUsageTests
{
    [Fact]
    public void StatLineWithSpacesAndParensInName_ParsesSessionCpuAndRss()
    {
        const string stat = "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 50 0 0 20 0 11 0 123456 987654321 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
        var p = ProcUsage.Parse(4242, stat)!.Value;
        Assert.Equal(4242, p.Session);
        Assert.Equal(200UL, p.CpuTicks);
        Assert.Equal(2560, p.RssPages);
        Assert.Equal(123456UL, p.StartTicks);
    }

    [Fact]
    public void SamplingThisProcess_GivesItsSessionAndTheHost()
    {
        var self = ProcUsage.Parse(Environment.ProcessId, File.ReadAllText($"/proc/{Environment.ProcessId}/stat"))!.Value;
        var sampler = new ProcSampler();
        sampler.SampleTrees(new HashSet<int> { self.Session });
        var trees = sampler.SampleTrees(new HashSet<int> { self.Session });
        Assert.True(trees[self.Session].Rss > 1024 * 1024);
        Assert.True(trees[self.Session].Processes >= 1);
        var host = sampler.SampleHost("n");
        Assert.True(host.MemoryTotal > 0 && host.Cores > 0);
    }

    [Theory]
    [InlineData("300M", 300L << 20)]
    [InlineData("10MB", 10L << 20)]
    [InlineData("512k", 512L << 10)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("4096", 4096L)]
    public void ByteSize_ParsesWhatPeopleWrite(string text, long bytes) => Assert.Equal(bytes, Client.Specs.ByteSize.Parse(text));
}
