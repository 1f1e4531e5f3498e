using Akka.Configuration;
using Pbm.Runtime.Config;
using Pbm.Runtime.Hosting;

namespace Pbm.Runtime.Tests.Hosting;

public sealed class HeapTrimTests
{
    [Fact]
    public void AfterABurst_TheCollectionGivesTheFreedRegionsBack()
    {
        // A burst: 64 MB of short-lived objects, gone by the time the trim runs.
        Burst(64 << 20);
        var r = HeapTrim.Collect();
        Assert.True(r.CommittedAfter < r.CommittedBefore, $"committed {r.CommittedBefore >> 20} MB -> {r.CommittedAfter >> 20} MB");
        Assert.True(r.CommittedAfter < r.CommittedBefore - (16 << 20) || r.CommittedBefore < 48 << 20,
            $"committed {r.CommittedBefore >> 20} MB -> {r.CommittedAfter >> 20} MB after a 64 MB burst");
    }

    private static void Burst(int bytes)
    {
        var keep = new List<byte[]>();
        for (var done = 0; done < bytes; done += 64 << 10)
        {
            var chunk = new byte[64 << 10];
            chunk[^1] = 1;
            keep.Add(chunk);
        }
        GC.KeepAlive(keep);
    }

    [Theory]
    [InlineData("", 300.0)]
    [InlineData("pbm.memory.trim-heap-every = 1m", 60.0)]
    [InlineData("pbm.memory.trim-heap-every = off", null)]
    public void TrimHeapEvery_IsADurationOrOff(string hocon, double? seconds)
    {
        var settings = PbmSettings.From(ConfigurationFactory.ParseString(hocon).WithFallback(PbmSettings.Reference));
        Assert.Equal(seconds, settings.HeapTrimInterval?.TotalSeconds);
    }
}
