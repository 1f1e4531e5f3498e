using System.Text;
using System.Text.Json;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Reads a JSON app file (apps.json, PM2's ecosystem.json and processes.json) into <see cref="ConfNode"/>s with the
/// line each value starts on, through System.Text.Json's reader (AOT-safe). Comments and trailing commas are
/// accepted, as PM2 accepts them (it evaluates .json files as JavaScript); a key that repeats takes the last value,
/// as in JavaScript. Errors name the line System.Text.Json found them on.
/// </summary>
public static class JsonReader
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    /// <exception cref="PbmException">Not JSON: "file:line: what is wrong".</exception>
    public static ConfNode Parse(byte[] utf8, string file)
    {
        var lines = LineStarts(utf8);
        var reader = new Utf8JsonReader(utf8, Options);
        try
        {
            if (!reader.Read()) throw AppFileError.At(file, 1, "the file is empty");
            var root = ReadValue(ref reader, lines);
            if (reader.Read()) throw AppFileError.At(file, LineOf(lines, reader.TokenStartIndex), "unexpected content after the end of the document");
            return root;
        }
        catch (JsonException e)
        {
            throw AppFileError.At(file, (int)(e.LineNumber ?? 0) + 1, Message(e));
        }
    }

    /// <summary>True when <paramref name="utf8"/> is JSON (comments and trailing commas allowed).</summary>
    public static bool IsJson(byte[] utf8)
    {
        try
        {
            using var _ = JsonDocument.Parse(utf8, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ConfNode ReadValue(ref Utf8JsonReader reader, List<long> lines)
    {
        var line = LineOf(lines, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var node = ConfNode.Object(line);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    var value = ReadValue(ref reader, lines);
                    var at = node.Fields.FindIndex(f => f.Key == key);
                    if (at >= 0) node.Fields[at] = new(key, value);
                    else node.Fields.Add(new(key, value));
                }
                return node;
            }
            case JsonTokenType.StartArray:
            {
                var node = ConfNode.Array(line);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) node.Items.Add(ReadValue(ref reader, lines));
                return node;
            }
            case JsonTokenType.String:
                return ConfNode.Scalar(ConfKind.String, line, reader.GetString());
            case JsonTokenType.Number:
                return ConfNode.Scalar(ConfKind.Number, line, Encoding.UTF8.GetString(reader.ValueSpan));
            case JsonTokenType.True:
                return ConfNode.Scalar(ConfKind.Boolean, line, "true");
            case JsonTokenType.False:
                return ConfNode.Scalar(ConfKind.Boolean, line, "false");
            default:
                return ConfNode.Scalar(ConfKind.Null, line, null);
        }
    }

    private static List<long> LineStarts(byte[] utf8)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < utf8.Length; i++)
            if (utf8[i] == (byte)'\n') starts.Add(i + 1);
        return starts;
    }

    private static int LineOf(List<long> starts, long offset)
    {
        var i = starts.BinarySearch(offset);
        return (i >= 0 ? i : ~i - 1) + 1;
    }

    private static string Message(JsonException e)
    {
        // "'x' is an invalid start of a value. LineNumber: 3 | BytePositionInLine: 4." — the line is given separately.
        var text = e.Message;
        var cut = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? text[..cut] : text).TrimEnd('.', ' ');
    }
}
