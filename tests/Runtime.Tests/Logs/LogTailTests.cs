using Pbm.Runtime.Logs;

namespace Pbm.Runtime.Tests.Logs;

public sealed class LogTailTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-tail-").FullName;

    [Fact]
    public void LastLines_SpanRotatedFilesAndSkipAPartialLastLine()
    {
        var path = Path.Combine(_dir, "a-0-out.log");
        File.WriteAllText(path + ".1", "2024-05-01T10:00:00.001+00:00 one\n2024-05-01T10:00:00.002+00:00 two\n");
        File.WriteAllText(path, "2024-05-01T10:00:00.003+00:00 three\n2024-05-01T10:00:00.004+00:00 four\nstill being writ");
        var entries = LogTail.Read(path, "a", 0, "out", 3);
        Assert.Equal(["two", "three", "four"], entries.Select(e => e.Message));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, 4, TimeSpan.Zero), entries[^1].At);
    }

    [Fact]
    public void Parse_ReadsTextJsonAndUntimedLines()
    {
        var json = LogTail.Parse("a", 1, "err", """{"at":"2024-05-01T10:00:00.123+00:00","id":"a:1","stream":"err","message":"boom"}""");
        Assert.Equal("boom", json.Message);
        Assert.NotNull(json.At);
        var bare = LogTail.Parse("a", 1, "out", "no time here");
        Assert.Null(bare.At);
        Assert.Equal("no time here", bare.Message);
    }

    [Fact]
    public void LineFormatter_WritesWhatLogTailReadsBack()
    {
        var at = new DateTimeOffset(2024, 5, 1, 10, 0, 0, 123, TimeSpan.FromHours(2));
        foreach (var json in new[] { false, true })
        {
            var f = new LineFormatter(LogOptions.Default with { Json = json }, "web", 2);
            var text = System.Text.Encoding.UTF8.GetString(f.Format(true, at, "héllo \"x\""));
            Assert.EndsWith("\n", text);
            var back = LogTail.Parse("web", 2, "err", text.TrimEnd('\n'));
            Assert.Equal("héllo \"x\"", back.Message);
            Assert.Equal(at, back.At);
        }
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
