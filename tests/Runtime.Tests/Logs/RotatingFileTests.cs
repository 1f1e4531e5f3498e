using System.Text;
using Pbm.Runtime.Logs;

namespace Pbm.Runtime.Tests.Logs;

public sealed class RotatingFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-rot-").FullName;

    [Fact]
    public void ManyWrites_KeepAtMostMaxFilesEachNearMaxBytes()
    {
        var path = Path.Combine(_dir, "a-0-out.log");
        using (var file = new RotatingFile(path, 1000, 3))
        {
            for (var i = 0; i < 1000; i++) file.Write(Encoding.UTF8.GetBytes($"line {i}\n"));
        }
        var files = Directory.GetFiles(_dir).Order().ToList();
        Assert.Equal([path, path + ".1", path + ".2"], files);
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 0, 1000 + 10));
        Assert.Equal("line 999", File.ReadAllLines(path + ".1").Concat(File.ReadAllLines(path)).Last());
    }

    [Fact]
    public void Truncate_EmptiesTheFileAndDeletesRotatedOnes()
    {
        var path = Path.Combine(_dir, "b-0-out.log");
        using var file = new RotatingFile(path, 100, 4);
        for (var i = 0; i < 100; i++) file.Write("0123456789\n"u8);
        file.Truncate();
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f != path);
        Assert.True(!File.Exists(path) || new FileInfo(path).Length == 0);
        file.Write("after\n"u8);
        file.Flush();
        Assert.Equal(["after"], File.ReadAllLines(path));
    }

    [Fact]
    public void Truncate_OfAWrittenFile_WithoutRotatedOnes_EmptiesIt()
    {
        // pbm flush of a running app answered 500: "NAME.*" also matches NAME in .NET's file search.
        var path = Path.Combine(_dir, "web-0-out.log");
        using var file = new RotatingFile(path, 1 << 20, 5);
        file.Write("hello\n"u8);
        file.Flush();
        file.Truncate();
        Assert.True(!File.Exists(path) || new FileInfo(path).Length == 0);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
