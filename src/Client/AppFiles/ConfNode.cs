namespace Pbm.Client.AppFiles;

/// <summary>
/// A value read from an app file (HOCON, JSON or YAML), with the line it starts on so that every complaint
/// about it can say where it is. Objects keep their keys in file order.
/// </summary>
public sealed class ConfNode
{
    private ConfNode(ConfKind kind, int line, string? text)
    {
        Kind = kind;
        Line = line;
        Text = text;
    }

    public ConfKind Kind { get; }
    public int Line { get; }
    /// <summary>A scalar's text (numbers as written, booleans as true/false); null for objects, arrays and null.</summary>
    public string? Text { get; }
    public List<ConfNode> Items { get; } = [];
    public List<KeyValuePair<string, ConfNode>> Fields { get; } = [];

    public static ConfNode Object(int line) => new(ConfKind.Object, line, null);
    public static ConfNode Array(int line) => new(ConfKind.Array, line, null);
    public static ConfNode Scalar(ConfKind kind, int line, string? text) => new(kind, line, text);

    public bool IsScalar => Kind is ConfKind.String or ConfKind.Number or ConfKind.Boolean;

    public ConfNode? Get(string key)
    {
        for (var i = Fields.Count - 1; i >= 0; i--)
            if (Fields[i].Key == key) return Fields[i].Value;
        return null;
    }

    /// <summary>Sets a key: objects merge into an existing object (as HOCON does), anything else replaces.</summary>
    public void Set(string key, ConfNode value)
    {
        var i = Fields.FindIndex(f => f.Key == key);
        if (i < 0)
        {
            Fields.Add(new(key, value));
            return;
        }
        var old = Fields[i].Value;
        if (old.Kind == ConfKind.Object && value.Kind == ConfKind.Object)
        {
            foreach (var (k, v) in value.Fields) old.Set(k, v);
            return;
        }
        Fields[i] = new(key, value);
    }

    public static ConfKind Classify(string text, out string normalized)
    {
        normalized = text;
        switch (text)
        {
            case "true" or "yes" or "on":
                normalized = "true";
                return ConfKind.Boolean;
            case "false" or "no" or "off":
                normalized = "false";
                return ConfKind.Boolean;
            case "null" or "~":
                return ConfKind.Null;
        }
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) &&
               (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.')
            ? ConfKind.Number
            : ConfKind.String;
    }
}
