using System.Text;

namespace Pbm.Runtime.Processes;

/// <summary>
/// Reads a pipe to its end and hands out lines. A line longer than <see cref="MaxLine"/> is split rather than
/// buffered without bound, and a last line without newline is still delivered at end of stream.
/// </summary>
internal static class LineReader
{
    public const int MaxLine = 64 * 1024;

    public static async Task PumpAsync(Stream stream, Func<string, ValueTask> onLine)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[16 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        var pending = new StringBuilder();
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(bytes).ConfigureAwait(false);
                if (n == 0) break;
                var count = decoder.GetChars(bytes, 0, n, chars, 0);
                var start = 0;
                for (var i = 0; i < count; i++)
                {
                    if (chars[i] != '\n') continue;
                    pending.Append(chars, start, i - start);
                    await EmitAsync(pending, onLine).ConfigureAwait(false);
                    start = i + 1;
                }
                pending.Append(chars, start, count - start);
                while (pending.Length >= MaxLine)
                {
                    await onLine(pending.ToString(0, MaxLine)).ConfigureAwait(false);
                    pending.Remove(0, MaxLine);
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke: deliver what we have.
        }
        catch (ObjectDisposedException)
        {
        }
        if (pending.Length > 0) await EmitAsync(pending, onLine).ConfigureAwait(false);
    }

    private static ValueTask EmitAsync(StringBuilder pending, Func<string, ValueTask> onLine)
    {
        var len = pending.Length;
        if (len > 0 && pending[len - 1] == '\r') len--;
        var line = pending.ToString(0, len);
        pending.Clear();
        return onLine(line);
    }
}
