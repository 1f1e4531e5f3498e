using System.Text.RegularExpressions;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Observability;

/// <summary>
/// Runs alone, after the parallel tests: the kernel does not page out a file page another process maps too, and
/// every daemon the other tests start maps the same binary.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}

[Collection(AloneCollection.Name)]
public sealed partial class DaemonMemoryTests
{
    [Fact]
    public async Task AfterStart_TheDaemonGivesBackTheHeapAndFilePagesOnlyStartupUsed()
    {
        await using var box = new Sandbox();
        await File.WriteAllTextAsync(Path.Combine(box.Home, "pbm.hocon"), "pbm.memory.page-out-after-start = 2s\n");
        await box.OkAsync("ping");
        var pid = Sandbox.DaemonPid(box.Home);
        var log = Path.Combine(box.Home, "pbm.log");

        var line = await Sandbox.EventuallyAsync(() => Task.FromResult(File.ReadLines(log).FirstOrDefault(l => l.Contains("paged out start-up file pages")) ?? ""),
            l => l.Length > 0, "the page-out line in pbm.log", TimeSpan.FromSeconds(30));
        var m = Drop().Match(line);
        Assert.True(m.Success, line);
        var before = int.Parse(m.Groups[1].Value);
        var after = int.Parse(m.Groups[2].Value);
        Assert.True(after < before / 2, $"resident file pages {before} MB -> {after} MB");

        // The GC's start-up garbage went first: one compacting collection that gave back what it freed.
        var trim = Trim().Match(File.ReadLines(log).First(l => l.Contains("trimmed the GC heap")));
        Assert.True(trim.Success);
        Assert.True(int.Parse(trim.Groups[2].Value) < int.Parse(trim.Groups[1].Value), trim.Value);

        // Still serving, and what it uses again comes back from the file, not everything.
        await box.OkAsync("start", Repo.App("ticker.js"));
        Assert.Single(await box.InstancesAsync("ticker"));
        var now = RssFileMb(pid);
        Assert.True(now < before, $"resident file pages {now} MB after a start, {before} MB before the page-out");
        await box.OkAsync("delete", "all");
    }

    [Fact]
    public async Task ABusyDaemon_PagesOutOnlyOnceItIsQuiet()
    {
        // Paged-out pages a busy daemon uses come straight back, a page at a time, stalling it: it waits.
        await using var box = new Sandbox();
        await File.WriteAllTextAsync(Path.Combine(box.Home, "pbm.hocon"), "pbm.memory.page-out-after-start = 1s\n");
        await box.OkAsync("start", Repo.App("storm.js"), "--name", "storm", "--env", "STORM_MS=6000");
        var log = Path.Combine(box.Home, "pbm.log");
        var pagedOut = await Sandbox.EventuallyAsync(() => Task.FromResult(File.ReadLines(log).FirstOrDefault(l => l.Contains("paged out start-up file pages")) ?? ""),
            l => l.Length > 0, "the page-out line in pbm.log", TimeSpan.FromSeconds(40));
        var over = await Sandbox.EventuallyAsync(() => box.OkAsync("logs", "--nostream", "storm", "--lines", "5", "--raw"),
            o => o.Contains("storm over at"), "the storm's last line", TimeSpan.FromSeconds(20));
        var stormEnd = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Regex.Match(over, @"storm over at (\d+)").Groups[1].Value));
        var pageOutAt = DateTimeOffset.Parse(pagedOut[..pagedOut.IndexOf(' ')], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(pageOutAt > stormEnd, $"paged out at {pageOutAt:O}, while the app's log storm lasted until {stormEnd:O}");
        await box.OkAsync("delete", "storm");
    }

    private static int RssFileMb(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("RssFile:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;

    [GeneratedRegex(@"committed (\d+) MB -> (\d+) MB \((\d+) MB live\)")]
    private static partial Regex Trim();

    [GeneratedRegex(@"resident file-backed memory (\d+) MB -> (\d+) MB")]
    private static partial Regex Drop();
}
