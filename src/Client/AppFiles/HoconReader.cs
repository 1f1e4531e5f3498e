using System.Text;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Reads the HOCON subset app files need, which JSON is a part of: objects (braces optional at the root),
/// arrays, quoted, triple-quoted and unquoted strings, numbers, booleans, null, <c>#</c> and <c>//</c>
/// comments, <c>=</c> or <c>:</c> (or nothing before <c>{</c>), dotted keys (<c>env.NODE_ENV = x</c>), commas
/// or new lines between entries, objects merged when a key repeats, and <c>${VAR}</c> / <c>${?VAR}</c> taken
/// from the environment. Written here, not taken from Akka, because the CLI is compiled ahead of time and stays
/// free of reflection; anything outside the subset is an error with its line.
/// </summary>
public sealed class HoconReader
{
    private readonly string _text;
    private readonly string _file;
    private readonly Func<string, string?> _env;
    private int _pos;
    private int _line = 1;

    private HoconReader(string text, string file, Func<string, string?> env)
    {
        _text = text;
        _file = file;
        _env = env;
    }

    public static ConfNode Parse(string text, string file, Func<string, string?>? env = null)
    {
        var reader = new HoconReader(text, file, env ?? Environment.GetEnvironmentVariable);
        return reader.ParseRoot();
    }

    private ConfNode ParseRoot()
    {
        SkipSpace(newlines: true);
        ConfNode root;
        if (Peek() == '[')
        {
            root = ParseArray();
        }
        else if (Peek() == '{')
        {
            root = ParseObject(braced: true);
        }
        else
        {
            root = ParseObject(braced: false);
        }
        SkipSpace(newlines: true);
        if (_pos < _text.Length) throw Error($"unexpected '{Peek()}' after the end of the document");
        return root;
    }

    private ConfNode ParseObject(bool braced)
    {
        var node = ConfNode.Object(_line);
        if (braced) _pos++;
        while (true)
        {
            SkipSpace(newlines: true);
            if (_pos >= _text.Length)
            {
                if (braced) throw Error("missing '}': the object opened on line " + node.Line + " is not closed");
                return node;
            }
            var c = Peek();
            if (c == '}')
            {
                if (!braced) throw Error("unexpected '}'");
                _pos++;
                return node;
            }
            if (c == ',')
            {
                _pos++;
                continue;
            }
            var keyLine = _line;
            var path = ParseKey();
            SkipSpace(newlines: false);
            c = Peek();
            if (c is '=' or ':')
            {
                _pos++;
            }
            else if (c == '+' && Peek(1) == '=')
            {
                throw Error("'+=' is not supported in app files");
            }
            else if (c != '{')
            {
                throw Error(_pos >= _text.Length || c is '\n' or '\r'
                    ? $"key '{string.Join('.', path)}' has no value (expected = or : then a value)"
                    : $"expected '=' or ':' after key '{string.Join('.', path)}', found '{c}'");
            }
            SkipSpace(newlines: false);
            var value = ParseValue();
            if (value is null) continue; // ${?VAR} of an unset variable: the key is left out.
            var target = node;
            for (var i = 0; i < path.Count - 1; i++)
            {
                var next = target.Get(path[i]);
                if (next is null || next.Kind != ConfKind.Object)
                {
                    next = ConfNode.Object(keyLine);
                    target.Set(path[i], next);
                }
                target = next;
            }
            target.Set(path[^1], value);
            SkipSpace(newlines: false);
            c = Peek();
            if (_pos < _text.Length && c is not (',' or '\n' or '\r' or '}'))
                throw Error($"unexpected '{c}' after the value of '{string.Join('.', path)}' (one entry per line, or separate them with commas)");
        }
    }

    private List<string> ParseKey()
    {
        var parts = new List<string>();
        while (true)
        {
            if (Peek() == '"')
            {
                parts.Add(ParseQuoted());
            }
            else
            {
                var start = _pos;
                while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '-' or '@')) _pos++;
                if (_pos == start)
                    throw Error(_pos >= _text.Length ? "unexpected end of file: expected a key" : $"unexpected '{Peek()}': expected a key");
                parts.Add(_text[start.._pos]);
            }
            if (Peek() != '.') return parts;
            _pos++;
        }
    }

    private ConfNode? ParseValue()
    {
        if (_pos >= _text.Length) throw Error("unexpected end of file: expected a value");
        var line = _line;
        switch (Peek())
        {
            case '{':
                return ParseObject(braced: true);
            case '[':
                return ParseArray();
            case '"':
                if (Peek(1) == '"' && Peek(2) == '"') return ConfNode.Scalar(ConfKind.String, line, ParseTriple());
                return ConfNode.Scalar(ConfKind.String, line, ParseQuoted());
            case '$' when Peek(1) == '{':
                return ParseSubstitution();
            case ',' or '}' or ']' or '\n' or '\r':
                throw Error("missing value");
        }
        var start = _pos;
        while (_pos < _text.Length && _text[_pos] is not (',' or '}' or ']' or '\n' or '\r' or '#' or '"') &&
               !(_text[_pos] == '/' && Peek(1) == '/') && !(_text[_pos] == '$' && Peek(1) == '{'))
            _pos++;
        var raw = _text[start.._pos].Trim();
        if (Peek() is '"' or '$') throw Error($"cannot join '{raw}' with a quoted string or a substitution: quote the whole value");
        if (raw.Length == 0) throw Error("missing value");
        var kind = ConfNode.Classify(raw, out var normalized);
        return ConfNode.Scalar(kind, line, kind == ConfKind.Null ? null : normalized);
    }

    private ConfNode? ParseSubstitution()
    {
        var line = _line;
        _pos += 2;
        var optional = Peek() == '?';
        if (optional) _pos++;
        var end = _text.IndexOf('}', _pos);
        if (end < 0) throw Error("unclosed ${");
        var name = _text[_pos..end].Trim();
        _pos = end + 1;
        var value = _env(name);
        if (value is null)
        {
            if (optional) return null;
            throw Error($"${{{name}}}: no such environment variable (use ${{?{name}}} to leave the key out when it is unset)");
        }
        return ConfNode.Scalar(ConfKind.String, line, value);
    }

    private ConfNode ParseArray()
    {
        var node = ConfNode.Array(_line);
        _pos++;
        while (true)
        {
            SkipSpace(newlines: true);
            if (_pos >= _text.Length) throw Error($"missing ']': the array opened on line {node.Line} is not closed");
            var c = Peek();
            if (c == ']')
            {
                _pos++;
                return node;
            }
            if (c == ',')
            {
                _pos++;
                continue;
            }
            if (ParseValue() is { } item) node.Items.Add(item);
            SkipSpace(newlines: false);
            if (_pos < _text.Length && Peek() is not (',' or ']' or '\n' or '\r'))
                throw Error($"unexpected '{Peek()}' in an array (separate items with commas)");
        }
    }

    private string ParseQuoted()
    {
        var startLine = _line;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] is '\n' or '\r') throw Error($"unterminated string (opened on line {startLine})");
            var c = _text[_pos++];
            if (c == '"') return sb.ToString();
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_pos >= _text.Length) throw Error("unterminated string");
            var e = _text[_pos++];
            switch (e)
            {
                case '"' or '\\' or '/': sb.Append(e); break;
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when _pos + 4 <= _text.Length && int.TryParse(_text.AsSpan(_pos, 4), System.Globalization.NumberStyles.HexNumber, null, out var code):
                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default: throw Error($"invalid escape '\\{e}' in a string");
            }
        }
    }

    private string ParseTriple()
    {
        var startLine = _line;
        _pos += 3;
        var end = _text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
        if (end < 0) throw Error($"unterminated \"\"\" string (opened on line {startLine})");
        var value = _text[_pos..end];
        _line += value.Count(ch => ch == '\n');
        _pos = end + 3;
        return value;
    }

    private void SkipSpace(bool newlines)
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n')
            {
                if (!newlines) return;
                _line++;
                _pos++;
            }
            else if (c is ' ' or '\t' or '\r' or '\uFEFF')
            {
                _pos++;
            }
            else if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                while (_pos < _text.Length && _text[_pos] != '\n') _pos++;
            }
            else
            {
                return;
            }
        }
    }

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private PbmException Error(string problem) => AppFileError.At(_file, _line, problem);
}
