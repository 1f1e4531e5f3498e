using System.Globalization;
using System.Text;

namespace Pbm.Client.Specs;

/// <summary>
/// A date format in dayjs/moment tokens, as PM2 reads <c>log_date_format</c> ("YYYY-MM-DD HH:mm:ss Z"), parsed once
/// into parts and formatted per line. Written here rather than converted to a .NET format string: dayjs has tokens
/// .NET formats lack (<c>ZZ</c> "+0100", <c>a</c> "pm", <c>X</c>/<c>x</c> Unix time, <c>Do</c> "4th"), and its
/// letters that are not tokens are literal where .NET would read many of them as specifiers.
/// </summary>
public sealed class DayjsFormat
{
    // Longest first, so "YYYY" wins over "YY" and "SSS" over "SS".
    private static readonly string[] Tokens =
    [
        "YYYY", "MMMM", "dddd", "SSS", "MMM", "ddd", "YY", "MM", "DD", "Do", "dd", "HH", "hh", "mm", "ss", "SS", "ZZ",
        "M", "D", "d", "H", "h", "m", "s", "S", "Z", "A", "a", "X", "x", "Q",
    ];

    private readonly List<(string? Token, string Literal)> _parts;

    private DayjsFormat(string text, List<(string?, string)> parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; [brackets] escape literal text as in dayjs. Throws PbmException when it names no date part at all.</summary>
    public static DayjsFormat Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new PbmException("--log-date-format: empty");
        if (text.Length > 200) throw new PbmException("--log-date-format: longer than 200 characters");
        var parts = new List<(string?, string)>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length;)
        {
            if (text[i] == '[')
            {
                var close = text.IndexOf(']', i + 1);
                if (close < 0) throw new PbmException($"--log-date-format '{text}': '[' without ']'");
                literal.Append(text, i + 1, close - i - 1);
                i = close + 1;
                continue;
            }
            var token = Tokens.FirstOrDefault(t => string.CompareOrdinal(text, i, t, 0, t.Length) == 0);
            if (token is null)
            {
                literal.Append(text[i++]);
                continue;
            }
            if (literal.Length > 0) parts.Add((null, literal.ToString()));
            literal.Clear();
            parts.Add((token, ""));
            i += token.Length;
        }
        if (literal.Length > 0) parts.Add((null, literal.ToString()));
        if (parts.All(p => p.Item1 is null)) throw new PbmException($"--log-date-format '{text}': no date or time in it (tokens as in PM2: YYYY-MM-DD HH:mm:ss.SSS Z)");
        return new DayjsFormat(text, parts);
    }

    public string Format(DateTimeOffset at)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(32);
        foreach (var (token, literal) in _parts)
        {
            switch (token)
            {
                case null: sb.Append(literal); break;
                case "YYYY": sb.Append(at.Year.ToString("D4", c)); break;
                case "YY": sb.Append((at.Year % 100).ToString("D2", c)); break;
                case "Q": sb.Append((at.Month - 1) / 3 + 1); break;
                case "MMMM": sb.Append(at.ToString("MMMM", c)); break;
                case "MMM": sb.Append(at.ToString("MMM", c)); break;
                case "MM": sb.Append(at.Month.ToString("D2", c)); break;
                case "M": sb.Append(at.Month); break;
                case "DD": sb.Append(at.Day.ToString("D2", c)); break;
                case "D": sb.Append(at.Day); break;
                case "Do": sb.Append(at.Day).Append(Ordinal(at.Day)); break;
                case "dddd": sb.Append(at.ToString("dddd", c)); break;
                case "ddd": sb.Append(at.ToString("ddd", c)); break;
                case "dd": sb.Append(at.ToString("ddd", c)[..2]); break;
                case "d": sb.Append((int)at.DayOfWeek); break;
                case "HH": sb.Append(at.Hour.ToString("D2", c)); break;
                case "H": sb.Append(at.Hour); break;
                case "hh": sb.Append(Twelve(at.Hour).ToString("D2", c)); break;
                case "h": sb.Append(Twelve(at.Hour)); break;
                case "mm": sb.Append(at.Minute.ToString("D2", c)); break;
                case "m": sb.Append(at.Minute); break;
                case "ss": sb.Append(at.Second.ToString("D2", c)); break;
                case "s": sb.Append(at.Second); break;
                case "SSS": sb.Append(at.Millisecond.ToString("D3", c)); break;
                case "SS": sb.Append((at.Millisecond / 10).ToString("D2", c)); break;
                case "S": sb.Append(at.Millisecond / 100); break;
                case "Z": sb.Append(Offset(at.Offset, ":")); break;
                case "ZZ": sb.Append(Offset(at.Offset, "")); break;
                case "A": sb.Append(at.Hour < 12 ? "AM" : "PM"); break;
                case "a": sb.Append(at.Hour < 12 ? "am" : "pm"); break;
                case "X": sb.Append(at.ToUnixTimeSeconds()); break;
                case "x": sb.Append(at.ToUnixTimeMilliseconds()); break;
            }
        }
        return sb.ToString();
    }

    private static int Twelve(int hour) => hour % 12 == 0 ? 12 : hour % 12;

    private static string Offset(TimeSpan offset, string separator) =>
        $"{(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):D2}{separator}{Math.Abs(offset.Minutes):D2}";

    private static string Ordinal(int day) => (day % 100) switch
    {
        11 or 12 or 13 => "th",
        _ => (day % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" },
    };
}
