using System.Globalization;
using System.Text;
using System.Text.Json;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Logs;

/// <summary>
/// Reads the last lines of an instance's log files (the current one, then the rotated ones), from the end
/// backwards, so a 10 MB file costs what the asked lines cost. Lines are parsed back into entries: a leading
/// ISO 8601 time (text format) or a JSON object (json format).
/// </summary>
internal static class LogTail
{
    private const int Chunk = 64 * 1024;

    public static List<LogEntry> Read(string path, string app, int index, string stream, int lines)
    {
        var found = new List<string>();
        for (var i = 0; found.Count < lines && i < 1000; i++)
        {
            var file = i == 0 ? path : $"{path}.{i}";
            if (!File.Exists(file))
            {
                if (i == 0) continue;
                break;
            }
            found.InsertRange(0, LastLines(file, lines - found.Count));
        }
        return found.Select(l => Parse(app, index, stream, l)).ToList();
    }

    /// <summary>The last <paramref name="count"/> complete lines of a file, oldest first (a last line still being written is left out).</summary>
    public static List<string> LastLines(string path, int count)
    {
        var result = new List<string>();
        if (count <= 0) return result;
        FileStream fs;
        try
        {
            fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return result;
        }
        using (fs)
        {
            var end = fs.Length;
            if (end == 0) return result;
            var buffer = new byte[1];
            fs.Position = end - 1;
            fs.ReadExactly(buffer);
            if (buffer[0] != (byte)'\n')
            {
                // Drop the partial last line: its end is still in the writer's buffer.
                end = FindBack(fs, end, 1) ?? 0;
                if (end == 0) return result;
            }
            // Find the start: just after the (count+1)-th newline from the end, or the file start.
            var start = FindBack(fs, end - 1, count) is { } nl ? nl : 0;
            var bytes = new byte[end - start];
            fs.Position = start;
            fs.ReadExactly(bytes);
            var text = Encoding.UTF8.GetString(bytes);
            result.AddRange(text.Split('\n', StringSplitOptions.None).SkipLast(1));
            return result;
        }
    }

    /// <summary>The position just after the n-th '\n' found before <paramref name="before"/>, or null if there are fewer.</summary>
    private static long? FindBack(FileStream fs, long before, int n)
    {
        var buffer = new byte[Chunk];
        var pos = before;
        while (pos > 0)
        {
            var size = (int)Math.Min(Chunk, pos);
            pos -= size;
            fs.Position = pos;
            fs.ReadExactly(buffer, 0, size);
            for (var i = size - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n') continue;
                if (--n == 0) return pos + i + 1;
            }
        }
        return null;
    }

    public static LogEntry Parse(string app, int index, string stream, string line)
    {
        if (line.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                DateTimeOffset? at = root.TryGetProperty("at", out var a) && a.TryGetDateTimeOffset(out var t) ? t : null;
                var message = root.TryGetProperty("message", out var m) ? m.GetString() ?? "" : line;
                return new LogEntry(app, index, stream, at, message);
            }
            catch (JsonException)
            {
                // Not ours: the line as it is.
            }
        }
        if (line.Length > 24 && line[4] == '-' && line[10] == 'T')
        {
            var space = line.IndexOf(' ');
            if (space > 0 && DateTimeOffset.TryParseExact(line.AsSpan(0, space), LineFormatter.TimeFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.None, out var at))
                return new LogEntry(app, index, stream, at, line[(space + 1)..]);
        }
        return new LogEntry(app, index, stream, null, line);
    }
}
