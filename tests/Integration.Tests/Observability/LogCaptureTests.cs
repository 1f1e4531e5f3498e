using System.Text.Json;
using System.Text.RegularExpressions;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Observability;

public sealed class LogCaptureTests
{
    private static readonly Regex Timestamped = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2} ", RegexOptions.Compiled);

    [Fact]
    public async Task CrashAfterFastOutput_EveryLineInOrderAndThePartialLastLineKept()
    {
        await using var box = new Sandbox();
        box.Env["LINES"] = "20000";
        await box.RunAsync("start", Repo.App("printer.js"), "--no-autorestart"); // it crashes at once, on purpose
        await Sandbox.EventuallyAsync(() => box.InstancesAsync("printer"), l => l[0].Status == InstanceStatus.Stopped, "printer:0 to crash");

        await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.Lines(LogFiles.Path(box.Home, "printer", 0, "out")).Length),
            n => n >= 20001, "20001 lines in printer-0-out.log");
        var lines = LogFiles.Lines(LogFiles.Path(box.Home, "printer", 0, "out"));
        Assert.Equal(20001, lines.Length);
        Assert.All(lines, l => Assert.Matches(Timestamped, l));
        for (var i = 0; i < 20000; i++) Assert.Equal($"line {i + 1}", LogFiles.Text(lines[i]));
        Assert.Equal("partial-last-line", LogFiles.Text(lines[^1]));
        var err = string.Join('\n', LogFiles.Lines(LogFiles.Path(box.Home, "printer", 0, "err")));
        Assert.Contains("about to crash", err);
        Assert.Contains("Error: boom after 20000 lines", err);

        var shown = await box.OkAsync("logs", "--nostream", "printer", "--lines", "3", "--out");
        var shownLines = shown.TrimEnd('\n').Split('\n');
        Assert.Equal(3, shownLines.Length);
        Assert.All(shownLines, l => Assert.StartsWith("printer:0", l));
        Assert.EndsWith("line 19999", shownLines[0]);
        Assert.EndsWith("partial-last-line", shownLines[2]);
        Assert.Equal("line 20000\npartial-last-line\n", await box.OkAsync("logs", "--nostream", "printer", "--lines", "2", "--out", "--raw"));

        var both = await box.OkAsync("logs", "--nostream", "printer", "--lines", "30");
        Assert.Equal(30, both.TrimEnd('\n').Split('\n').Length);
        Assert.Contains("partial-last-line", both);
        Assert.Contains("printer:0 ! ", both);
        Assert.Contains("boom after", (await box.OkAsync("logs", "--nostream", "printer", "--err", "--lines", "15")));
        Assert.Equal(0, (await box.InstancesAsync("printer"))[0].LogDropped);

        // The daemon's log tells the story with reasons.
        var daemonLog = await File.ReadAllTextAsync(Path.Combine(box.Home, "pbm.log"));
        Assert.Contains("printer:0 started pid", daemonLog);
        Assert.Contains("printer:0 not restarted: exited; autorestart is off", daemonLog);
        Assert.Contains("printer:0 pid", daemonLog);
        Assert.Contains("exited with code 1 after", daemonLog);
        var events = (await box.ShowAsync("printer")).Instances[0].Events.Select(e => e.Text).ToList();
        Assert.Contains(events, e => e.StartsWith("started pid", StringComparison.Ordinal));
        Assert.Contains(events, e => e.StartsWith("exited with code 1", StringComparison.Ordinal));
        Assert.Contains(events, e => e.StartsWith("not restarted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SmallRotationLimit_KeepsTheBoundAndFlushEmptiesTheFiles()
    {
        await using var box = new Sandbox();
        box.Env["LINES"] = "30000";
        await box.RunAsync("start", Repo.App("printer.js"), "--no-autorestart", "--log-max-size", "16K", "--log-max-files", "3"); // crashes at once, on purpose
        await Sandbox.EventuallyAsync(() => box.InstancesAsync("printer"), l => l[0].Status == InstanceStatus.Stopped, "printer:0 to crash");
        await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.All(box.Home, "printer", 0, "out").LastOrDefault() ?? ""),
            last => last.EndsWith("partial-last-line"), "the last line to be written");
        var chain = LogFiles.Chain(box.Home, "printer", 0, "out");

        Assert.InRange(chain.Count, 2, 3);
        Assert.All(chain, f => Assert.InRange(new FileInfo(f).Length, 0, 16 * 1024 + 100));
        // What is kept is the end of the output, complete and in order.
        var kept = chain.SelectMany(LogFiles.Lines).Select(LogFiles.Text).ToList();
        Assert.Equal("partial-last-line", kept[^1]);
        var first = int.Parse(kept[0]["line ".Length..]);
        for (var i = 0; i < kept.Count - 1; i++) Assert.Equal($"line {first + i}", kept[i]);
        Assert.Equal("line 30000", kept[^2]);

        var flushed = await box.OkAsync("flush", "printer");
        Assert.Contains("flushed the logs of printer", flushed);
        var after = LogFiles.Chain(box.Home, "printer", 0, "out");
        Assert.True(after.Count <= 1, string.Join(", ", after));
        Assert.All(after, f => Assert.Equal(0, new FileInfo(f).Length));
        Assert.Equal("", await box.OkAsync("logs", "--nostream", "printer"));
    }

    [Fact]
    public async Task JsonFormatAndNoTime_WriteWhatWasAsked()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("ticker.js"), "--name", "json", "--log-format", "json");
        await box.OkAsync("start", Repo.App("ticker.js"), "--name", "bare", "--no-time");
        await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.Lines(LogFiles.Path(box.Home, "json", 0, "out")).Length), n => n >= 2, "json lines");
        var json = LogFiles.Lines(LogFiles.Path(box.Home, "json", 0, "out"));
        using (var doc = JsonDocument.Parse(json[0]))
        {
            var e = doc.RootElement;
            Assert.True(e.GetProperty("at").TryGetDateTimeOffset(out _));
            Assert.Equal("json:0", e.GetProperty("id").GetString());
            Assert.Equal("out", e.GetProperty("stream").GetString());
            Assert.StartsWith("tick 1 pid ", e.GetProperty("message").GetString());
        }
        await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.Lines(LogFiles.Path(box.Home, "bare", 0, "out")).Length), n => n >= 2, "bare lines");
        var bare = LogFiles.Lines(LogFiles.Path(box.Home, "bare", 0, "out"));
        Assert.StartsWith("tick 1 pid ", bare[0]);

        // pbm logs reads both formats back; --json prints entries for scripts.
        var entries = (await box.OkAsync("logs", "--nostream", "json", "--lines", "2", "--out", "--json")).TrimEnd('\n').Split('\n')
            .Select(l => JsonSerializer.Deserialize(l, PbmJsonContext.Default.LogEntry)!).ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("json", e.App));
        Assert.All(entries, e => Assert.NotNull(e.At));
        Assert.StartsWith("tick ", entries[0].Message);
        Assert.Matches(@"^bare:0 +\| tick \d+ pid \d+\n$", await box.OkAsync("logs", "--nostream", "bare", "--lines", "1", "--out"));
    }
}
