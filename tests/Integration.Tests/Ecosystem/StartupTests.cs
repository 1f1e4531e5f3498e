using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Ecosystem;

public sealed class StartupTests
{
    [Fact]
    public async Task Startup_PrintsAUnitSystemdAnalyzeAccepts_WithNoFrozenPath()
    {
        await using var box = new Sandbox();
        var unit = await box.OkAsync("startup");
        var lines = unit.Split('\n');
        var exec = lines.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.True(Path.IsPathRooted(exec["ExecStart=".Length..].Split(' ')[0]), exec);
        Assert.EndsWith(" daemon --foreground --resurrect", exec);
        Assert.Contains($"Environment=\"PBM_HOME={box.Home}\"", lines);
        Assert.Contains("KillMode=mixed", lines);
        Assert.Contains("Delegate=yes", lines);
        Assert.Contains("WantedBy=multi-user.target", lines);
        // PM2 #2006: nothing that pins an interpreter or a PATH of the day.
        Assert.DoesNotContain(lines, l => l.Contains("PATH=", StringComparison.Ordinal) || l.Contains("node", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(box.Home, "daemon.pid")), "pbm startup must not start a daemon");

        var file = Path.Combine(box.Work, "pbm-test.service");
        await File.WriteAllTextAsync(file, unit);
        if (File.Exists("/usr/bin/systemd-analyze") || File.Exists("/bin/systemd-analyze"))
        {
            var psi = new ProcessStartInfo("systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("verify");
            psi.ArgumentList.Add(file);
            using var p = Process.Start(psi)!;
            var stderr = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"systemd-analyze verify failed: {stderr}");
            Assert.DoesNotContain("pbm-test.service:", stderr);
        }
        else
        {
            // Parse-check: sections and Key=Value lines only, every key known to systemd.
            var known = new HashSet<string> { "Description", "After", "Type", "User", "WorkingDirectory", "Environment", "ExecStart", "KillMode", "Delegate", "TimeoutStopSec", "Restart", "RestartSec", "LimitNOFILE", "WantedBy" };
            foreach (var line in lines.Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith('[')))
                Assert.Contains(line.Split('=', 2)[0], known);
        }
    }

    [Fact]
    public async Task DaemonResurrect_AfterKill_BringsTheSavedAppsBack()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "saved", "-i", "2");
        await box.OkAsync("save");
        await box.OkAsync("kill");
        // What the unit runs at boot (in the background here): the apps of the dump come back by themselves.
        await box.OkAsync("daemon", "--resurrect");
        var instances = await Sandbox.EventuallyAsync(() => box.InstancesAsync("saved"),
            l => l.Count == 2 && l.All(i => i.Status == InstanceStatus.Online), "the saved app to be resurrected");
        Assert.All(instances, i => Assert.True(ProcessTable.Alive(i.Pid!.Value)));
    }
}
