using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

public sealed class BadInputTests
{
    [Theory]
    [InlineData(new[] { "start", "no/such/script.js" }, 1, "script not found: no/such/script.js")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "-i", "0" }, 1, "the number of instances must be at least 1")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "-i", "abc" }, 1, "-i abc: expected a number of instances or 'max'")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "--instancez", "2" }, 2, "unknown option '--instancez' for pbm start")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "--kill-timeout", "soon" }, 2, "--kill-timeout soon: expected a duration")]
    [InlineData(new[] { "frobnicate" }, 2, "unknown command 'frobnicate'")]
    [InlineData(new[] { "start" }, 2, "missing script")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "--name", "all" }, 1, "invalid app name 'all'")]
    public async Task BadCommandLine_OneClearLineAndNonZeroExit_WithoutStartingADaemon(string[] args, int code, string message)
    {
        await using var box = new Sandbox();
        var r = await box.RunAsync(args);
        Assert.Equal(code, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Equal(0, Sandbox.DaemonPid(box.Home));
    }

    [Fact]
    public async Task UnknownTargets_AreRefusedAndTheDaemonLivesOn()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "2");
        var daemon = Sandbox.DaemonPid(box.Home);
        var cases = new (string[] Args, string Message)[]
        {
            (["stop", "nope"], "unknown app or instance 'nope'"),
            (["restart", "idle:7"], "unknown instance 'idle:7': idle has instances 0 to 1"),
            (["show", "idle:x"], "invalid instance id 'idle:x'"),
            (["delete", "idle:0"], "delete takes an app name or 'all'"),
            (["scale", "idle", "many"], "expected N, +N, -N or MIN..MAX"),
            (["scale", "ghost", "2"], "unknown app or instance 'ghost'"),
            (["show", "all"], "not 'all'"),
        };
        foreach (var (args, message) in cases)
        {
            var r = await box.RunAsync(args);
            Assert.True(r.ExitCode == 1, $"pbm {string.Join(' ', args)}: {r}");
            Assert.Contains(message, r.Stderr);
        }
        Assert.Equal(daemon, Sandbox.DaemonPid(box.Home));
        Assert.Equal(2, (await box.InstancesAsync("idle")).Count);
    }

    [Fact]
    public async Task CorruptStateFile_IsKeptAsideAndReported()
    {
        await using var box = new Sandbox();
        Directory.CreateDirectory(Path.Combine(box.Home, "state"));
        var state = Path.Combine(box.Home, "state", "apps.json");
        await File.WriteAllTextAsync(state, "{ \"format\": 1, \"apps\": [ {\"spec\": ");

        var r = await box.RunAsync("list");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("is corrupt", r.Stderr);
        var aside = Directory.GetFiles(Path.Combine(box.Home, "state"), "apps.json.corrupt-*");
        Assert.Single(aside);
        Assert.Equal("{ \"format\": 1, \"apps\": [ {\"spec\": ", await File.ReadAllTextAsync(aside[0]));
        // The daemon runs on, empty, and says so on ping.
        var ping = await box.RunAsync("ping");
        Assert.Equal(0, ping.ExitCode);
        Assert.Contains("is corrupt", ping.Stderr);
        await box.OkAsync("start", Repo.App("idle.js"));
    }
}
