using System.Globalization;
using System.Text.RegularExpressions;

namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, as Prometheus' own parser reads it: HELP and
/// TYPE once per family and before its samples, valid metric and label names, escaped label values, numbers
/// (+Inf, -Inf, NaN), no duplicate series, histogram buckets cumulative with le="+Inf" equal to _count. Any
/// violation throws with the line.
/// </summary>
internal sealed partial class PromText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public Dictionary<string, string> Types { get; } = [];
    public List<Sample> Samples { get; } = [];

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static PromText Parse(string text)
    {
        var p = new PromText();
        var helped = new HashSet<string>();
        var seen = new HashSet<string>();
        string? current = null;
        var finished = new HashSet<string>();
        var lines = text.Split('\n');
        if (lines[^1] != "") throw new FormatException("the exposition must end with a newline");
        for (var n = 0; n < lines.Length - 1; n++)
        {
            var line = lines[n];
            void Fail(string why) => throw new FormatException($"line {n + 1}: {why}: {line}");
            if (line.Length == 0) Fail("empty line");
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length < 3 || parts[0] != "#") continue;
                if (parts[1] is not ("HELP" or "TYPE")) continue;
                var family = parts[2];
                if (!MetricName().IsMatch(family)) Fail("invalid metric name");
                if (current != family && current is not null) finished.Add(current);
                if (finished.Contains(family)) Fail("family declared again after its samples");
                current = family;
                if (parts[1] == "HELP")
                {
                    if (!helped.Add(family)) Fail("second HELP");
                }
                else
                {
                    if (p.Types.ContainsKey(family)) Fail("second TYPE");
                    if (parts.Length < 4 || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped")) Fail("invalid type");
                    if (p.Samples.Any(s => FamilyOf(s.Name, p.Types) == family)) Fail("TYPE after samples");
                    p.Types[family] = parts[3];
                }
                continue;
            }
            var i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
            var name = line[..i];
            if (!MetricName().IsMatch(name)) Fail("invalid metric name");
            var labels = new Dictionary<string, string>();
            if (i < line.Length && line[i] == '{')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) Fail("unclosed label set");
                    if (line[i] == '}')
                    {
                        i++;
                        break;
                    }
                    var eq = line.IndexOf('=', i);
                    if (eq < 0) Fail("label without =");
                    var label = line[i..eq];
                    if (!LabelName().IsMatch(label)) Fail($"invalid label name '{label}'");
                    if (eq + 1 >= line.Length || line[eq + 1] != '"') Fail("label value not quoted");
                    var sb = new System.Text.StringBuilder();
                    var j = eq + 2;
                    for (; j < line.Length && line[j] != '"'; j++)
                    {
                        if (line[j] != '\\')
                        {
                            sb.Append(line[j]);
                            continue;
                        }
                        j++;
                        if (j >= line.Length) Fail("dangling escape");
                        sb.Append(line[j] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"line {n + 1}: invalid escape") });
                    }
                    if (j >= line.Length) Fail("unterminated label value");
                    if (!labels.TryAdd(label, sb.ToString())) Fail($"label {label} twice");
                    i = j + 1;
                    if (i < line.Length && line[i] == ',') i++;
                }
            }
            if (i >= line.Length || line[i] != ' ') Fail("expected a space before the value");
            var rest = line[(i + 1)..].Split(' ');
            if (rest.Length is < 1 or > 2) Fail("expected a value and an optional timestamp");
            var value = rest[0] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                _ => throw new FormatException($"line {n + 1}: invalid value '{rest[0]}'"),
            };
            var fam = FamilyOf(name, p.Types);
            if (finished.Contains(fam)) Fail("sample of a family whose block ended");
            if (!p.Types.ContainsKey(fam)) Fail("sample without a TYPE");
            if (current != fam) Fail("sample outside its family's block");
            var key = name + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!seen.Add(key)) Fail("duplicate series");
            if (p.Types[fam] == "counter" && (value < 0 || double.IsNaN(value))) Fail("negative counter");
            p.Samples.Add(new Sample(name, labels, value));
        }
        p.CheckHistograms();
        return p;
    }

    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out var t) && t is "histogram" or "summary")
                return name[..^suffix.Length];
        return name;
    }

    private void CheckHistograms()
    {
        foreach (var (family, _) in Types.Where(t => t.Value == "histogram"))
        {
            var buckets = Samples.Where(s => s.Name == family + "_bucket").GroupBy(s => Key(s.Labels, "le"));
            foreach (var series in buckets)
            {
                var ordered = series.Select(s => (Le: s.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels["le"], CultureInfo.InvariantCulture), s.Value)).OrderBy(b => b.Le).ToList();
                if (!double.IsPositiveInfinity(ordered[^1].Le)) throw new FormatException($"{family}{{{series.Key}}} has no le=\"+Inf\" bucket");
                for (var k = 1; k < ordered.Count; k++)
                    if (ordered[k].Value < ordered[k - 1].Value) throw new FormatException($"{family}{{{series.Key}}} buckets are not cumulative");
                var count = Samples.SingleOrDefault(s => s.Name == family + "_count" && Key(s.Labels, null) == series.Key)
                            ?? throw new FormatException($"{family}{{{series.Key}}} has no _count");
                if (count.Value != ordered[^1].Value) throw new FormatException($"{family}{{{series.Key}}}: +Inf bucket {ordered[^1].Value} != count {count.Value}");
                if (!Samples.Any(s => s.Name == family + "_sum" && Key(s.Labels, null) == series.Key)) throw new FormatException($"{family}{{{series.Key}}} has no _sum");
            }
        }
    }

    private static string Key(IReadOnlyDictionary<string, string> labels, string? except) =>
        string.Join(",", labels.Where(l => l.Key != except).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    public double Value(string name, params (string Label, string Value)[] labels) =>
        Samples.Single(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Value;
}
