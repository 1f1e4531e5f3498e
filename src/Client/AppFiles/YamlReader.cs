using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Reads a YAML app file (PM2's ecosystem.yml) into <see cref="ConfNode"/>s with their lines, through YamlDotNet's
/// representation model: the whole of YAML (block scalars, anchors and aliases, flow collections, quoting), and
/// no reflection, so the native CLI can use it. Plain scalars are typed as js-yaml (what PM2 uses) types them:
/// the YAML 1.2 core schema, so <c>yes</c>/<c>no</c>/<c>on</c> stay strings while <c>true</c>, numbers (<c>0x1F</c>
/// too), <c>~</c> and <c>null</c> do not; <c>&lt;&lt;</c> merge keys are applied as js-yaml does.
/// </summary>
public static partial class YamlReader
{
    public static ConfNode Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            // YamlDotNet's words are the parser's ("found invalid mapping"); nearly always the line's indentation is off,
            // or a value holds ": " unquoted.
            throw AppFileError.At(file, (int)e.Start.Line, Message(e).TrimEnd('.') + " (check this line's indentation, and quote values that contain ': ')");
        }
        if (stream.Documents.Count == 0) return ConfNode.Object(1);
        if (stream.Documents.Count > 1)
            throw AppFileError.At(file, (int)stream.Documents[1].RootNode.Start.Line, "several YAML documents in one file: an app file is one document");
        return Convert(stream.Documents[0].RootNode, file, 0);
    }

    private static ConfNode Convert(YamlNode node, string file, int depth)
    {
        // Aliases are resolved to the anchored node itself: a cycle (or a billion-laughs file) must not recurse forever.
        if (depth > 64) throw AppFileError.At(file, (int)node.Start.Line, "nested more than 64 levels deep (an alias that refers to itself?)");
        var line = (int)node.Start.Line;
        switch (node)
        {
            case YamlMappingNode map:
            {
                var result = ConfNode.Object(line);
                var merged = new List<ConfNode>();
                foreach (var (k, v) in map.Children)
                {
                    if (k is not YamlScalarNode key) throw AppFileError.At(file, (int)k.Start.Line, "a key must be a plain value, not a list or a mapping");
                    var value = Convert(v, file, depth + 1);
                    if (key.Value == "<<" && key.Style == ScalarStyle.Plain)
                    {
                        if (value.Kind == ConfKind.Object) merged.Add(value);
                        else if (value.Kind == ConfKind.Array && value.Items.All(i => i.Kind == ConfKind.Object)) merged.AddRange(value.Items);
                        else throw AppFileError.At(file, value.Line, "'<<' merges a mapping (or a list of mappings) into this one");
                        continue;
                    }
                    result.Set(key.Value ?? "", value);
                }
                // Merged keys never override the mapping's own; earlier sources win over later ones (js-yaml).
                foreach (var source in merged)
                    foreach (var (k, v) in source.Fields)
                        if (result.Get(k) is null) result.Fields.Add(new(k, v));
                return result;
            }
            case YamlSequenceNode seq:
            {
                var result = ConfNode.Array(line);
                foreach (var item in seq.Children) result.Items.Add(Convert(item, file, depth + 1));
                return result;
            }
            case YamlScalarNode scalar:
                return Scalar(scalar, line);
            default:
                throw AppFileError.At(file, line, "unsupported YAML node");
        }
    }

    private static ConfNode Scalar(YamlScalarNode scalar, int line)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (tag is null && scalar.Style != ScalarStyle.Plain))
            return ConfNode.Scalar(ConfKind.String, line, text);
        if (tag is "tag:yaml.org,2002:null" || text is "" or "~" or "null" or "Null" or "NULL")
            return ConfNode.Scalar(ConfKind.Null, line, null);
        if (text is "true" or "True" or "TRUE") return ConfNode.Scalar(ConfKind.Boolean, line, "true");
        if (text is "false" or "False" or "FALSE") return ConfNode.Scalar(ConfKind.Boolean, line, "false");
        if (DecimalNumber().IsMatch(text)) return ConfNode.Scalar(ConfKind.Number, line, text.TrimStart('+'));
        if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            return ConfNode.Scalar(ConfKind.Number, line, hex.ToString(CultureInfo.InvariantCulture));
        if (text.StartsWith("0o", StringComparison.Ordinal) && text.Length > 2 && text[2..].All(c => c is >= '0' and <= '7'))
            return ConfNode.Scalar(ConfKind.Number, line, System.Convert.ToInt64(text[2..], 8).ToString(CultureInfo.InvariantCulture));
        return ConfNode.Scalar(ConfKind.String, line, text);
    }

    private static string Message(YamlException e)
    {
        // YamlDotNet's messages start with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the line is given separately.
        var text = e.InnerException is YamlException inner ? inner.Message : e.Message;
        var cut = text.LastIndexOf("): ", StringComparison.Ordinal);
        return (cut >= 0 ? text[(cut + 3)..] : text).Trim();
    }

    [GeneratedRegex(@"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex DecimalNumber();
}
