namespace Pbm.Cli.Cli;

/// <summary>A command line split into the command, its positional arguments, its options and what follows "--".</summary>
internal sealed class ParsedArgs
{
    public string? Command { get; set; }
    public List<string> Positionals { get; } = [];
    public Dictionary<string, List<string>> Options { get; } = new(StringComparer.Ordinal);
    public List<string> Rest { get; } = [];

    public bool Has(string name) => Options.ContainsKey(name);

    public string? Value(string name) => Options.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    public IReadOnlyList<string> Values(string name) => Options.TryGetValue(name, out var v) ? v : [];

    public int? Int(string name)
    {
        var text = Value(name);
        if (text is null) return null;
        return int.TryParse(text, out var n) ? n : throw new UsageException($"--{name} {text}: expected a whole number");
    }

    /// <summary>A duration: "500ms", "5s", "2m", or a bare number of milliseconds.</summary>
    public int? DurationMs(string name)
    {
        var text = Value(name);
        if (text is null) return null;
        return ParseDurationMs(text) ?? throw new UsageException($"--{name} {text}: expected a duration such as 500ms, 5s or 2m");
    }

    public static int? ParseDurationMs(string text)
    {
        text = text.Trim();
        (string num, double factor) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1d),
            _ when text.EndsWith('s') => (text[..^1], 1000d),
            _ when text.EndsWith('m') => (text[..^1], 60_000d),
            _ when text.EndsWith('h') => (text[..^1], 3_600_000d),
            _ => (text, 1d),
        };
        if (!double.TryParse(num, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < 0)
            return null;
        var ms = v * factor;
        return ms > int.MaxValue ? null : (int)ms;
    }
}
