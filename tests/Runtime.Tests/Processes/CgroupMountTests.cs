using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

public sealed class CgroupMountTests
{
    // A hybrid machine: v1 controllers, the v2 hierarchy at /sys/fs/cgroup/unified.
    private const string Hybrid = """
        22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
        """;

    private const string PureV2 = "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

    [Fact]
    public void OwnDirectory_OnAHybridMachine_IsUnderTheUnifiedMount()
    {
        var dir = CgroupMount.OwnDirectory(Hybrid, "4:memory:/x\n1:cpu:/\n0::/\n", out _);
        Assert.Equal("/sys/fs/cgroup/unified", dir);
    }

    [Fact]
    public void OwnDirectory_OnAPureV2Machine_UnderSystemd_IsTheUnitsCgroup()
    {
        var dir = CgroupMount.OwnDirectory(PureV2, "0::/system.slice/pbm-alice.service\n", out _);
        Assert.Equal("/sys/fs/cgroup/system.slice/pbm-alice.service", dir);
    }

    [Fact]
    public void OwnDirectory_WhenOnlyItsPartIsMounted_IsRelativeToTheMountsRoot()
    {
        const string container = "50 40 0:30 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n";
        Assert.Equal("/sys/fs/cgroup/app", CgroupMount.OwnDirectory(container, "0::/docker/abc/app\n", out _));
        Assert.Null(CgroupMount.OwnDirectory(container, "0::/elsewhere\n", out var why));
        Assert.Contains("outside the mounted part", why);
    }

    [Fact]
    public void OwnDirectory_WithoutCgroup2_SaysWhy()
    {
        Assert.Null(CgroupMount.OwnDirectory("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", "0::/\n", out var why));
        Assert.Equal("no cgroup2 hierarchy is mounted", why);
        Assert.Null(CgroupMount.OwnDirectory(PureV2, "4:memory:/x\n", out why));
        Assert.Contains("0::", why);
    }

    [Fact]
    public void FindCgroup2_UnescapesTheMountPoint()
    {
        var mount = CgroupMount.FindCgroup2("41 31 0:38 / /mnt/my\\040cgroups rw - cgroup2 none rw\n");
        Assert.Equal(("/mnt/my cgroups", "/"), mount);
    }
}
