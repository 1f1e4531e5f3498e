using System.Text;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Reads the YAML subset PM2 ecosystem files use: block mappings and sequences by indentation (a sequence may
/// sit at its key's indentation), <c>- key: value</c> items, plain, 'single' and "double" quoted scalars,
/// flow collections on one line (<c>[a, b]</c>, <c>{A: 1}</c>), comments and a leading <c>---</c>. Anchors,
/// tags, block scalars and multi-document files are refused with their line: the CLI is compiled ahead of time
/// and takes no reflection-based YAML library.
/// </summary>
public sealed class YamlReader
{
    private readonly List<Line> _lines = [];
    private readonly string _file;
    private int _i;

    private YamlReader(string text, string file)
    {
        _file = file;
        var number = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            number++;
            if (raw.Contains('\t') && raw.TrimStart(' ').StartsWith('\t')) throw AppFileError.At(file, number, "tabs are not allowed for indentation in YAML");
            var content = StripComment(raw).TrimEnd();
            var trimmed = content.TrimStart(' ');
            if (trimmed.Length == 0) continue;
            if (trimmed == "---" && _lines.Count == 0) continue;
            if (trimmed is "---" or "...") throw AppFileError.At(file, number, "several YAML documents in one file are not supported");
            _lines.Add(new Line(number, content.Length - trimmed.Length, trimmed));
        }
    }

    public static ConfNode Parse(string text, string file)
    {
        var reader = new YamlReader(text, file);
        if (reader._lines.Count == 0) return ConfNode.Object(1);
        var root = reader.ParseBlock(reader._lines[0].Indent);
        if (reader._i < reader._lines.Count)
        {
            var l = reader._lines[reader._i];
            throw AppFileError.At(file, l.Number, $"bad indentation: '{l.Text}' does not line up with the lines above it");
        }
        return root;
    }

    private ConfNode ParseBlock(int indent)
    {
        var first = _lines[_i];
        return IsItem(first.Text) ? ParseSequence(indent) : ParseMapping(indent);
    }

    private ConfNode ParseSequence(int indent)
    {
        var node = ConfNode.Array(_lines[_i].Number);
        while (_i < _lines.Count && _lines[_i].Indent == indent && IsItem(_lines[_i].Text))
        {
            var line = _lines[_i];
            var rest = line.Text.Length == 1 ? "" : line.Text[1..].TrimStart(' ');
            if (rest.Length == 0)
            {
                _i++;
                if (_i >= _lines.Count || _lines[_i].Indent <= indent)
                {
                    node.Items.Add(ConfNode.Scalar(ConfKind.Null, line.Number, null));
                    continue;
                }
                node.Items.Add(ParseBlock(_lines[_i].Indent));
                continue;
            }
            // "- key: value" opens a block whose indentation is where "key" starts.
            var childIndent = indent + (line.Text.Length - rest.Length);
            if (IsItem(rest) || SplitKey(rest, line.Number) is not null)
            {
                _lines[_i] = line with { Indent = childIndent, Text = rest };
                node.Items.Add(ParseBlock(childIndent));
                continue;
            }
            _i++;
            node.Items.Add(Scalar(rest, line.Number));
        }
        if (_i < _lines.Count && _lines[_i].Indent > indent)
            throw AppFileError.At(_file, _lines[_i].Number, $"bad indentation: '{_lines[_i].Text}' is deeper than the list item above it");
        return node;
    }

    private ConfNode ParseMapping(int indent)
    {
        var node = ConfNode.Object(_lines[_i].Number);
        while (_i < _lines.Count && _lines[_i].Indent == indent)
        {
            var line = _lines[_i];
            if (IsItem(line.Text)) throw AppFileError.At(_file, line.Number, "a list item where a 'key: value' was expected");
            var split = SplitKey(line.Text, line.Number)
                        ?? throw AppFileError.At(_file, line.Number, $"expected 'key: value', found '{line.Text}'");
            var (key, value) = split;
            _i++;
            if (value.Length > 0)
            {
                node.Set(key, Scalar(value, line.Number));
                continue;
            }
            if (_i < _lines.Count && _lines[_i].Indent > indent)
                node.Set(key, ParseBlock(_lines[_i].Indent));
            else if (_i < _lines.Count && _lines[_i].Indent == indent && IsItem(_lines[_i].Text))
                node.Set(key, ParseSequence(indent));
            else
                node.Set(key, ConfNode.Scalar(ConfKind.Null, line.Number, null));
        }
        if (_i < _lines.Count && _lines[_i].Indent > indent)
            throw AppFileError.At(_file, _lines[_i].Number, $"bad indentation: '{_lines[_i].Text}' is deeper than the key above it");
        return node;
    }

    private ConfNode Scalar(string text, int line)
    {
        switch (text[0])
        {
            case '"':
            {
                if (text.Length < 2 || text[^1] != '"') throw AppFileError.At(_file, line, "unterminated double-quoted string");
                // JSON escapes are YAML's double-quoted escapes for everything app files need.
                return HoconReader.Parse("v = " + text, _file).Get("v") is { } v
                    ? ConfNode.Scalar(ConfKind.String, line, v.Text)
                    : throw AppFileError.At(_file, line, "invalid string");
            }
            case '\'':
                if (text.Length < 2 || text[^1] != '\'') throw AppFileError.At(_file, line, "unterminated single-quoted string");
                return ConfNode.Scalar(ConfKind.String, line, text[1..^1].Replace("''", "'"));
            case '[' or '{':
                try
                {
                    var flow = HoconReader.Parse("v = " + text, _file).Get("v")!;
                    return Relined(flow, line);
                }
                catch (PbmException e)
                {
                    throw AppFileError.At(_file, line, "invalid flow collection " + text + ": " + e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
                }
            case '&' or '*' or '!':
                throw AppFileError.At(_file, line, "anchors, aliases and tags are not supported in app files");
            case '|' or '>':
                throw AppFileError.At(_file, line, "block scalars (| and >) are not supported in app files: use a quoted string");
        }
        var kind = ConfNode.Classify(text, out var normalized);
        return ConfNode.Scalar(kind, line, kind == ConfKind.Null ? null : normalized);
    }

    private static ConfNode Relined(ConfNode n, int line)
    {
        var copy = n.Kind switch
        {
            ConfKind.Object => ConfNode.Object(line),
            ConfKind.Array => ConfNode.Array(line),
            _ => ConfNode.Scalar(n.Kind, line, n.Text),
        };
        foreach (var item in n.Items) copy.Items.Add(Relined(item, line));
        foreach (var (k, v) in n.Fields) copy.Fields.Add(new(k, Relined(v, line)));
        return copy;
    }

    private static bool IsItem(string text) => text == "-" || text.StartsWith("- ", StringComparison.Ordinal);

    /// <summary>"key: value" or "key:" (quoted keys too); null when the line is not a mapping entry.</summary>
    private (string Key, string Value)? SplitKey(string text, int line)
    {
        string key;
        int after;
        if (text[0] is '"' or '\'')
        {
            var close = text.IndexOf(text[0], 1);
            if (close < 0) throw AppFileError.At(_file, line, "unterminated quoted key");
            key = text[1..close];
            after = close + 1;
            while (after < text.Length && text[after] == ' ') after++;
            if (after >= text.Length || text[after] != ':') return null;
        }
        else
        {
            if (text[0] is '[' or '{') return null;
            after = -1;
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == ':' && (i + 1 == text.Length || text[i + 1] == ' '))
                {
                    after = i;
                    break;
                }
            }
            if (after < 0) return null;
            key = text[..after].TrimEnd();
        }
        return (key, text[(after + 1)..].Trim());
    }

    private static string StripComment(string raw)
    {
        var sb = new StringBuilder();
        char quote = '\0';
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (quote != '\0')
            {
                if (c == '\\' && quote == '"' && i + 1 < raw.Length)
                {
                    sb.Append(c).Append(raw[++i]);
                    continue;
                }
                if (c == quote) quote = '\0';
            }
            else if (c is '"' or '\'' && (i == 0 || raw[i - 1] is ' ' or ':' or '-' or '[' or '{' or ','))
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || raw[i - 1] == ' '))
            {
                break;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    private sealed record Line(int Number, int Indent, string Text);
}
