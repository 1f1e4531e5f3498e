namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>The log files pbm writes for an instance, read the way a user would (cat, ls).</summary>
internal static class LogFiles
{
    public static string Path(string home, string app, int index, string stream) =>
        System.IO.Path.Combine(home, "logs", $"{app}-{index}-{stream}.log");

    /// <summary>The stream's files, oldest first: PATH.N ... PATH.1, PATH.</summary>
    public static List<string> Chain(string home, string app, int index, string stream)
    {
        var current = Path(home, app, index, stream);
        var dir = System.IO.Path.GetDirectoryName(current)!;
        var name = System.IO.Path.GetFileName(current);
        var rotated = Directory.Exists(dir)
            ? Directory.GetFiles(dir, name + ".*")
                .Select(f => (f, ok: int.TryParse(f[(f.LastIndexOf('.') + 1)..], out var n), n))
                .Where(x => x.ok).OrderByDescending(x => x.n).Select(x => x.f).ToList()
            : [];
        if (File.Exists(current)) rotated.Add(current);
        return rotated;
    }

    /// <summary>Every line kept for the stream, oldest first, across rotated files.</summary>
    public static List<string> All(string home, string app, int index, string stream) =>
        Chain(home, app, index, stream).SelectMany(Lines).ToList();

    public static string[] Lines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];

    /// <summary>A line without its leading time ("2024-05-01T10:00:00.123+00:00 text" gives "text").</summary>
    public static string Text(string line)
    {
        var space = line.IndexOf(' ');
        return space == 29 && line[4] == '-' && line[10] == 'T' ? line[(space + 1)..] : line;
    }
}
