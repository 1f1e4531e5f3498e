using Pbm.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pbm.Integration.Tests.Lifecycle;

/// <summary>--user/--group (PM2's uid/gid): instances run as another user when the daemon runs as root; a daemon that does not is refused clearly.</summary>
public sealed class RunAsUserTests(ITestOutputHelper output)
{
    private bool NotRoot()
    {
        if (File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0") return false;
        output.WriteLine("skipped: the tests do not run as root, so the daemon they start cannot switch users");
        return true;
    }

    private static string Uid(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];

    [Fact]
    public async Task User_RunsEveryInstanceAsThatUser_WithItsHome_LogsWrittenByTheDaemon()
    {
        if (NotRoot()) return;
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("whoami.js"), "--name", "who", "-i", "2", "--user", "www-data");
        var instances = await box.InstancesAsync("who");
        Assert.All(instances, i => Assert.Equal("33", Uid(i.Pid!.Value)));
        var log = LogFiles.Path(box.Home, "who", 0, "out");
        var line = await Sandbox.EventuallyAsync(() => Task.FromResult(File.ReadAllLines(log).Select(LogFiles.Text).ToList()), l => l.Count > 0, "who's first line");
        Assert.Equal("uid=33 gid=33 home=/var/www user=www-data", line[0]);
        Assert.Contains("www-data", await box.OkAsync("show", "who"));
    }

    [Fact]
    public async Task Pm2UidAndGidKeys_RunTheAppAsThatUserAndGroup()
    {
        if (NotRoot()) return;
        await using var box = new Sandbox();
        var file = Path.Combine(box.Work, "ecosystem.config.js");
        await File.WriteAllTextAsync(file, $$"""
            module.exports = { apps: [{ name: 'who', script: '{{Repo.App("whoami.js")}}', uid: 'nobody', gid: 'www-data' }] };
            """);
        var started = await box.RunAsync("start", file);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.DoesNotContain("uid", started.Stderr);
        var log = LogFiles.Path(box.Home, "who", 0, "out");
        var line = await Sandbox.EventuallyAsync(() => Task.FromResult(File.ReadAllLines(log).Select(LogFiles.Text).ToList()), l => l.Count > 0, "who's first line");
        Assert.Equal("uid=65534 gid=33 home=/nonexistent user=nobody", line[0]);
    }

    [Fact]
    public async Task User_OnADaemonNotRunningAsRoot_IsRefusedInOneLine_AndNothingRuns()
    {
        if (NotRoot()) return;
        await using var box = new Sandbox();
        // The CLI and the daemon it starts run as nobody, with a home nobody may write.
        using (var chown = System.Diagnostics.Process.Start("chown", ["-R", "65534:65534", box.Home])) await chown.WaitForExitAsync();
        string[] asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", Repo.Pbm];
        var refused = await box.RunProgramAsync("setpriv", [.. asNobody, "start", Repo.App("whoami.js"), "--name", "who", "--user", "www-data"]);
        output.WriteLine(refused.ToString());
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--user www-data: the daemon on", refused.Stderr);
        Assert.Contains("runs as uid 65534, not root; only a daemon started as root can run apps as another user", refused.Stderr);
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        var list = await box.RunProgramAsync("setpriv", [.. asNobody, "list"]);
        Assert.DoesNotContain("who", list.Stdout);
        Assert.Equal(0, (await box.RunProgramAsync("setpriv", [.. asNobody, "kill"])).ExitCode);
    }

    [Theory]
    [InlineData("--user", "-rf", "--user -rf: must start with a letter or _")]
    [InlineData("--group", "a/b", "--group a/b: may hold only letters, digits")]
    public async Task BadUserOrGroup_FailsInOneLine(string option, string value, string expected)
    {
        await using var box = new Sandbox();
        var result = await box.RunAsync("start", Repo.App("idle.js"), option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task UnknownUser_IsRefusedByTheHost_AndNothingRuns()
    {
        if (NotRoot()) return;
        await using var box = new Sandbox();
        var result = await box.RunAsync("start", Repo.App("idle.js"), "--user", "nosuchuser");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--user nosuchuser: no such user on", result.Stderr);
        Assert.DoesNotContain("idle", (await box.OkAsync("list")));
    }
}
