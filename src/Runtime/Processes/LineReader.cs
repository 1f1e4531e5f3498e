using System.Buffers;
using System.Text;

namespace Pbm.Runtime.Processes;

/// <summary>
/// Reads a pipe to its end and hands out lines. A line longer than <see cref="MaxLine"/> is split rather than
/// buffered without bound, and a last line without newline is still delivered at end of stream.
/// </summary>
internal static class LineReader
{
    public const int MaxLine = 64 * 1024;
    private const int SmallChunk = 512;
    private const int LargeChunk = 16 * 1024;

    public static async Task PumpAsync(Stream stream, Func<string, ValueTask> onLine)
    {
        // An idle instance must not pin big buffers: 200 sleeping instances held 200 x 2 x 48 KB waiting in a read
        // (a zero-byte read does not wait on a PipeStream). So the wait is made with a small buffer, and only a
        // read that fills it switches to a pooled large one, given back as soon as the app goes quiet again.
        var decoder = Encoding.UTF8.GetDecoder();
        var pending = new StringBuilder();
        var small = new byte[SmallChunk];
        byte[]? large = null;
        try
        {
            while (true)
            {
                var bytes = large ?? small;
                var n = await stream.ReadAsync(bytes).ConfigureAwait(false);
                if (n == 0) break;
                var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(n));
                try
                {
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
                }
                finally
                {
                    ArrayPool<char>.Shared.Return(chars);
                }
                while (pending.Length >= MaxLine)
                {
                    await onLine(pending.ToString(0, MaxLine)).ConfigureAwait(false);
                    pending.Remove(0, MaxLine);
                }
                if (pending.Capacity > 2 * MaxLine) pending.Capacity = Math.Max(pending.Length, 256);
                if (large is null && n == small.Length)
                {
                    large = ArrayPool<byte>.Shared.Rent(LargeChunk);
                }
                else if (large is not null && n < SmallChunk)
                {
                    ArrayPool<byte>.Shared.Return(large);
                    large = null;
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
        finally
        {
            if (large is not null) ArrayPool<byte>.Shared.Return(large);
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
