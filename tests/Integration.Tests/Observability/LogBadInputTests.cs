using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Observability;

public sealed class LogBadInputTests
{
    [Theory]
    [InlineData(new[] { "logs", "x", "--lines", "-3" }, 2, "--lines -3: expected a number of lines, 0 or more")]
    [InlineData(new[] { "logs", "x", "--lines", "many" }, 2, "--lines many: expected a number of lines")]
    [InlineData(new[] { "logs", "x", "--err", "--out" }, 2, "--err and --out exclude each other")]
    [InlineData(new[] { "logs", "a", "b" }, 2, "pbm logs takes one app or instance")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "--max-memory", "lots" }, 1, "--max-memory lots: expected a size")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "--log-format", "xml" }, 1, "--log-format xml: expected text or json")]
    [InlineData(new[] { "start", "tests/Integration.Tests/apps/idle.js", "--log-max-size", "10" }, 1, "--log-max-size 10: at least 1K")]
    public async Task BadLogOptions_OneClearLineAndNonZeroExit(string[] args, int code, string message)
    {
        await using var box = new Sandbox();
        var r = await box.RunAsync(args);
        Assert.Equal(code, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task LogsOfUnknownApp_IsRefused()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"));
        foreach (var target in new[] { "ghost", "idle:3" })
        {
            var r = await box.RunAsync("logs", "--nostream", target);
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Single(r.Stderr.Trim().Split('\n'));
        }
        Assert.Contains("unknown app or instance 'ghost'", (await box.RunAsync("logs", "--nostream", "ghost")).Stderr);
        Assert.Contains("unknown app or instance 'ghost'", (await box.RunAsync("flush", "ghost")).Stderr);
    }

    [Fact]
    public async Task UnwritableLogFolder_ClearErrorAndTheAppRuns()
    {
        await using var box = new Sandbox();
        await box.OkAsync("ping");
        // A file where the logs folder should be: nothing can be created in it, even by root.
        Directory.Delete(Path.Combine(box.Home, "logs"), true);
        await File.WriteAllTextAsync(Path.Combine(box.Home, "logs"), "not a folder");

        await box.OkAsync("start", Repo.App("ticker.js"));
        var i = await Sandbox.EventuallyAsync(async () => (await box.InstancesAsync("ticker"))[0],
            x => x.LogError is not null && x.LogDropped > 5, "the log error to be reported");
        Assert.Equal(InstanceStatus.Online, i.Status);
        Assert.Contains("cannot write", i.LogError);
        Assert.Contains("ticker-0-out.log", i.LogError);
        var shown = await box.OkAsync("show", "ticker");
        Assert.Contains("cannot write", shown);
        Assert.Contains("lines dropped", shown);
        Assert.Contains("cannot write", (await box.RunAsync("list")).Stderr);
        Assert.Contains("cannot write", await File.ReadAllTextAsync(Path.Combine(box.Home, "pbm.log")));
        await Task.Delay(500);
        var later = (await box.InstancesAsync("ticker"))[0];
        Assert.Equal(i.Pid, later.Pid);
        Assert.Equal(0, later.Restarts);
    }

    [Fact]
    public async Task TenMegabyteLineWithoutNewline_IsSplitAndBounded()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("longline.js"));
        // 10 MB is also the default rotation size: the pieces may span two files.
        await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.Text(LogFiles.All(box.Home, "longline", 0, "out").LastOrDefault() ?? "")),
            last => last == "after", "the line after the long one");
        var lines = LogFiles.All(box.Home, "longline", 0, "out");
        var pieces = lines.SkipLast(1).Select(LogFiles.Text).ToList();
        Assert.Equal(10 * 1024 * 1024, pieces.Sum(p => p.Length));
        Assert.All(pieces, p => Assert.InRange(p.Length, 0, 64 * 1024));
        Assert.True(pieces.Count >= 160, $"{pieces.Count} pieces");
        Assert.All(pieces, p => Assert.True(p.All(ch => ch == 'x')));
        Assert.Equal(InstanceStatus.Online, (await box.InstancesAsync("longline"))[0].Status);
        Assert.InRange(DaemonRssMb(box.Home), 1, 400);
    }

    private static long DaemonRssMb(string home)
    {
        var status = File.ReadAllLines($"/proc/{Sandbox.DaemonPid(home)}/status");
        var rss = status.First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(new string(rss.Where(char.IsAsciiDigit).ToArray())) / 1024;
    }
}
