using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pbm.Runtime.Logs;

/// <summary>Turns a captured line into the bytes of a log file line: "TIME message\n", "message\n", or one JSON object.</summary>
internal sealed class LineFormatter(LogOptions options, string app, int index)
{
    public const string TimeFormat = "yyyy-MM-ddTHH:mm:ss.fffzzz";
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly string _id = $"{app}:{index}";
    private Utf8JsonWriter? _json;

    /// <summary>Formats one line; the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(bool isError, DateTimeOffset at, string line)
    {
        _buffer.ResetWrittenCount();
        if (options.Json)
        {
            var w = _json ??= new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            w.Reset(_buffer);
            w.WriteStartObject();
            if (options.Time) w.WriteString("at", at);
            w.WriteString("id", _id);
            w.WriteString("stream", isError ? "err" : "out");
            w.WriteString("message", line);
            w.WriteEndObject();
            w.Flush();
        }
        else
        {
            if (options.Time && options.DateFormat is { } custom)
            {
                // PM2's log_date_format lines: "TIME: line".
                var text = custom.Format(at) + ": ";
                var dst = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
                _buffer.Advance(Encoding.UTF8.GetBytes(text, dst));
            }
            else if (options.Time)
            {
                Span<char> time = stackalloc char[40];
                at.TryFormat(time, out var n, TimeFormat, CultureInfo.InvariantCulture);
                var dst = _buffer.GetSpan(n * 3 + 1);
                var written = Encoding.UTF8.GetBytes(time[..n], dst);
                dst[written++] = (byte)' ';
                _buffer.Advance(written);
            }
            var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length));
            _buffer.Advance(Encoding.UTF8.GetBytes(line, span));
        }
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        return _buffer.WrittenSpan;
    }
}
