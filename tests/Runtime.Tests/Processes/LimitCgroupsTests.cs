using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

public sealed class LimitCgroupsTests
{
    private const string Hybrid = """
        35 25 0:30 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
        36 25 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
        37 25 0:32 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
        38 25 0:33 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
        """;

    private const string Self = """
        9:pids:/user.slice
        4:memory:/process_api/abc
        2:cpu,cpuacct:/
        0::/user.slice/session-1.scope
        """;

    [Theory]
    [InlineData("memory", "/sys/fs/cgroup/memory/process_api/abc")]
    [InlineData("cpu", "/sys/fs/cgroup/cpu,cpuacct")]
    [InlineData("pids", "/sys/fs/cgroup/pids/user.slice")]
    public void V1Directory_IsTheControllersMountJoinedWithOurPath(string controller, string expected) =>
        Assert.Equal(expected, LimitCgroups.V1Directory(Hybrid, Self, controller));

    [Fact]
    public void V1Directory_NoneOnAPureV2Machine() =>
        Assert.Null(LimitCgroups.V1Directory("35 25 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw", "0::/", "memory"));

    [Fact]
    public void V1Directory_AMountOfPartOfTheHierarchy_IsLookedThrough()
    {
        const string container = "37 25 0:32 /docker/1 /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory";
        Assert.Equal("/sys/fs/cgroup/memory/app", LimitCgroups.V1Directory(container, "4:memory:/docker/1/app", "memory"));
        Assert.Null(LimitCgroups.V1Directory(container, "4:memory:/other", "memory"));
    }

    [Theory]
    [InlineData(0.5, 50_000)]
    [InlineData(2, 200_000)]
    [InlineData(0.001, 1000)]
    public void CpuQuota_IsCoresTimesThePeriod_AtLeastOneMillisecond(double cores, long quota) =>
        Assert.Equal(quota, ResourceLimits.CpuQuotaUs(cores));
}
