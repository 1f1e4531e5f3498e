using Akka.Configuration;
using Pbm.Runtime.Config;

namespace Pbm.Runtime.Tests.Config;

public sealed class PbmSettingsTests
{
    private static PbmSettings From(string hocon) => PbmSettings.From(ConfigurationFactory.ParseString(hocon).WithFallback(PbmSettings.Reference));

    [Theory]
    [InlineData("", true)]
    [InlineData("pbm.processes.cgroups = auto", true)]
    [InlineData("pbm.processes.cgroups = off", false)]
    [InlineData("pbm.processes.cgroups = \"off\"", false)]
    public void ProcessesCgroups_IsAutoOrOff(string hocon, bool useCgroups) => Assert.Equal(useCgroups, From(hocon).UseCgroups);

    [Fact]
    public void ProcessesCgroups_AnythingElse_IsRefusedWithTheSettingsName()
    {
        var e = Assert.Throws<ConfigurationException>(() => From("pbm.processes.cgroups = v1"));
        Assert.Contains("pbm.processes.cgroups", e.Message);
    }

    [Fact]
    public void ProcessesKillWait_DefaultsTo3s_AndMustBePositive()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), From("").TreeKillWait);
        Assert.Throws<ConfigurationException>(() => From("pbm.processes.kill-wait = 0s"));
    }
}
