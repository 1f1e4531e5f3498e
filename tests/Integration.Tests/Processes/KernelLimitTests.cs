using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pbm.Integration.Tests.Processes;

/// <summary>
/// --memory-limit, --cpu-limit, --pids-limit: limits the kernel enforces on each instance's cgroup (v2 where the
/// controller is offered, v1 controllers on a hybrid machine such as this one), and the sampling fallback where no
/// cgroup can be used. Each test says why and returns where this machine cannot have the kernel enforce the limit.
/// </summary>
public sealed class KernelLimitTests(ITestOutputHelper output)
{
    private bool Unavailable(string controller)
    {
        if (KernelLimits.Unavailable(controller) is not { } why) return false;
        output.WriteLine($"skipped: {why}");
        return true;
    }

    [Fact]
    public async Task MemoryLimit_AnAppThatGrowsPastIt_IsKilledByTheKernel_AndReportedAsOutOfMemory()
    {
        if (Unavailable("memory")) return;
        await using var box = new Sandbox();
        // hog.js runs a second, then grows by 20 MB every 100 ms: the kernel stops it at 64 MB, long before a sample would see it.
        await box.OkAsync("start", Repo.App("hog.js"), "--memory-limit", "64M", "--min-uptime", "100ms");
        var killed = await Sandbox.EventuallyAsync(() => box.InstancesAsync("hog"), l => l.Single().LastExit is not null, "hog to be killed", TimeSpan.FromSeconds(20));
        var exit = killed.Single().LastExit!;
        output.WriteLine($"exit {exit.Code} ({exit.Signal}) after {exit.UptimeMs} ms: {exit.Detail}");
        Assert.Equal("SIGKILL", exit.Signal);
        Assert.StartsWith("killed: out of memory at 64 MB limit", exit.Detail);
        Assert.Contains(killed.Single().Events, e => e.Text.StartsWith("killed: out of memory at 64 MB limit (--memory-limit), after", StringComparison.Ordinal));
        var logged = File.ReadAllLines(LogFiles.Path(box.Home, "hog", 0, "out")).Select(LogFiles.Text).ToList();
        Assert.DoesNotContain("allocated 100 MB", logged);
        var show = await box.OkAsync("show", "hog");
        Assert.Contains("memory 64 MB (cgroup)", show);
        Assert.Contains("killed: out of memory at 64 MB limit", show);
    }

    [Fact]
    public async Task CpuLimit_HoldsASpinningAppToItsShareOfACore()
    {
        if (Unavailable("cpu")) return;
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("spin.js"), "--cpu-limit", "20%");
        var pid = (await box.InstancesAsync("spin")).Single().Pid!.Value;
        await Task.Delay(500);
        var (t0, c0) = (DateTime.UtcNow, CpuTicks(pid));
        await Task.Delay(2000);
        var cores = (CpuTicks(pid) - c0) / 100.0 / (DateTime.UtcNow - t0).TotalSeconds;
        output.WriteLine($"spin.js used {cores:0.000} cores under --cpu-limit 20%");
        Assert.InRange(cores, 0.05, 0.28);
        Assert.Contains("cpu 0.2 cores (cgroup)", await box.OkAsync("show", "spin"));
    }

    [Fact]
    public async Task PidsLimit_RefusesForksPastIt()
    {
        if (Unavailable("pids")) return;
        // The system's python itself: a version manager's shim (pyenv) forks on its own before python runs.
        if (!File.Exists("/usr/bin/python3"))
        {
            output.WriteLine("skipped: no /usr/bin/python3");
            return;
        }
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("forker.py"), "--interpreter", "/usr/bin/python3", "--pids-limit", "5");
        var line = await Sandbox.EventuallyAsync(() => Task.FromResult(File.ReadAllLines(LogFiles.Path(box.Home, "forker", 0, "out")).Select(LogFiles.Text).ToList()),
            lines => lines.Any(l => l.StartsWith("forked", StringComparison.Ordinal)), "forker to report");
        var report = line.First(l => l.StartsWith("forked", StringComparison.Ordinal));
        output.WriteLine(report);
        Assert.Equal("forked 4 of 20 (fork failed: Resource temporarily unavailable)", report);
    }

    [Fact]
    public async Task MemoryLimit_WithoutCgroups_FallsBackToSampling_AndSaysSoOnce()
    {
        await using var box = new Sandbox();
        box.Env["PBM__PROCESSES__CGROUPS"] = "off";
        await box.OkAsync("start", Repo.App("leak.js"), "--memory-limit", "60M", "--cpu-limit", "0.5", "--min-uptime", "100ms");
        var restarted = await Sandbox.EventuallyAsync(() => box.InstancesAsync("leak"), l => l.Single().Restarts >= 2, "leak restarted twice by sampling", TimeSpan.FromSeconds(30));
        Assert.Contains(restarted.Single().Events, e => e.Text.StartsWith("memory ", StringComparison.Ordinal) && e.Text.Contains("over the limit of 60 MB", StringComparison.Ordinal));
        var log = await File.ReadAllTextAsync(Path.Combine(box.Home, "pbm.log"));
        var said = log.Split('\n').Where(l => l.Contains("kernel limits on memory, cpu cannot be enforced on this host", StringComparison.Ordinal)).ToList();
        Assert.Single(said);
        Assert.Contains("--memory-limit falls back to sampling", said[0]);
    }

    [Theory]
    [InlineData(new[] { "--memory-limit", "lots" }, "--memory-limit lots: expected a size such as 300M or 1G")]
    [InlineData(new[] { "--memory-limit", "1M" }, "--memory-limit 1M: at least 4M")]
    [InlineData(new[] { "--cpu-limit", "none" }, "--cpu-limit none: expected cores (0.5, 2) or a percentage of one core (50%)")]
    [InlineData(new[] { "--cpu-limit", "0" }, "--cpu-limit 0: expected 0.01 to 1024 cores")]
    [InlineData(new[] { "--pids-limit", "0" }, "--pids-limit 0: expected 1 to 4194304")]
    public async Task BadLimits_FailInOneLine(string[] options, string expected)
    {
        await using var box = new Sandbox();
        var result = await box.RunAsync(["start", Repo.App("idle.js"), .. options]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    /// <summary>utime + stime of <paramref name="pid"/> in clock ticks (100 a second).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
