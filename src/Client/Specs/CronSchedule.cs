namespace Pbm.Client.Specs;

/// <summary>
/// A standard five-field cron expression (minute hour day-of-month month day-of-week), as crond reads it:
/// <c>*</c>, <c>N</c>, <c>A-B</c>, <c>*/S</c>, <c>A-B/S</c>, lists with commas, month and day names, 0 or 7 for
/// Sunday, and the @hourly/@daily/@weekly/@monthly/@yearly shorthands. When both day fields are restricted a
/// day matches either one (Vixie cron). Times are wall-clock times of a time zone (the host's by default).
/// </summary>
public sealed class CronSchedule
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private readonly bool[] _minutes = new bool[60];
    private readonly bool[] _hours = new bool[24];
    private readonly bool[] _days = new bool[32];
    private readonly bool[] _months = new bool[13];
    private readonly bool[] _weekdays = new bool[7];
    private bool _daysRestricted;
    private bool _weekdaysRestricted;

    private CronSchedule(string text) => Text = text;

    public string Text { get; }

    public static CronSchedule Parse(string text) =>
        TryParse(text, out var schedule, out var error) ? schedule! : throw new FormatException($"cron '{text}': {error}");

    public static bool TryParse(string text, out CronSchedule? schedule, out string? error)
    {
        schedule = null;
        var expanded = text.Trim() switch
        {
            "@hourly" => "0 * * * *",
            "@daily" or "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" or "@annually" => "0 0 1 1 *",
            var t => t,
        };
        var fields = expanded.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = $"expected 5 fields (minute hour day-of-month month day-of-week), got {fields.Length}";
            return false;
        }
        var s = new CronSchedule(text.Trim());
        error = Field(fields[0], "minute", 0, 59, null, s._minutes, out _)
                ?? Field(fields[1], "hour", 0, 23, null, s._hours, out _)
                ?? Field(fields[2], "day-of-month", 1, 31, null, s._days, out s._daysRestricted)
                ?? Field(fields[3], "month", 1, 12, MonthNames, s._months, out _)
                ?? WeekdayField(fields[4], s);
        if (error is not null) return false;
        schedule = s;
        return true;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null if none within 5 years (31 February...).</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Local;
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var t = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified).AddMinutes(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_months[t.Month])
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
                continue;
            }
            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }
            if (!_hours[t.Hour])
            {
                t = t.Date.AddHours(t.Hour + 1);
                continue;
            }
            if (!_minutes[t.Minute])
            {
                t = t.AddMinutes(1);
                continue;
            }
            // A wall-clock time skipped by a daylight-saving jump does not happen; an ambiguous one fires once (the first).
            if (zone.IsInvalidTime(t))
            {
                t = t.AddMinutes(1);
                continue;
            }
            var offset = zone.IsAmbiguousTime(t) ? zone.GetAmbiguousTimeOffsets(t).Max() : zone.GetUtcOffset(t);
            var occurrence = new DateTimeOffset(t, offset);
            if (occurrence > after) return occurrence;
            t = t.AddMinutes(1);
        }
        return null;
    }

    private bool DayMatches(DateTime t)
    {
        var dom = _days[t.Day];
        var dow = _weekdays[(int)t.DayOfWeek];
        if (_daysRestricted && _weekdaysRestricted) return dom || dow;
        return dom && dow;
    }

    private static string? WeekdayField(string text, CronSchedule s)
    {
        var days = new bool[8];
        var error = Field(text, "day-of-week", 0, 7, DayNames, days, out s._weekdaysRestricted);
        if (error is not null) return error;
        for (var d = 0; d < 7; d++) s._weekdays[d] = days[d];
        if (days[7]) s._weekdays[0] = true;
        return null;
    }

    private static string? Field(string text, string what, int min, int max, string[]? names, bool[] set, out bool restricted)
    {
        restricted = text != "*" && text != "?";
        foreach (var part in text.Split(','))
        {
            var step = 1;
            var range = part;
            var slash = part.IndexOf('/');
            if (slash >= 0)
            {
                if (!int.TryParse(part[(slash + 1)..], out step) || step < 1) return $"{what} '{part}': the step after / must be a number of 1 or more";
                range = part[..slash];
            }
            int from, to;
            if (range is "*" or "?")
            {
                (from, to) = (min, max);
            }
            else
            {
                var dash = range.IndexOf('-', 1);
                var a = dash > 0 ? range[..dash] : range;
                if (Value(a, min, max, names) is not { } lo) return $"{what} '{part}': '{a}' is not a value between {min} and {max}";
                from = lo;
                if (dash > 0)
                {
                    var b = range[(dash + 1)..];
                    if (Value(b, min, max, names) is not { } hi) return $"{what} '{part}': '{b}' is not a value between {min} and {max}";
                    if (hi < lo) return $"{what} '{part}': the range goes backwards";
                    to = hi;
                }
                else
                {
                    to = slash >= 0 ? max : lo;
                }
            }
            for (var v = from; v <= to; v += step) set[v] = true;
        }
        return null;
    }

    private static int? Value(string text, int min, int max, string[]? names)
    {
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return n >= min && n <= max ? n : null;
        if (names is null) return null;
        var i = Array.IndexOf(names, text.ToUpperInvariant());
        return i < 0 ? null : names == MonthNames ? i + 1 : i;
    }

    public override string ToString() => Text;
}
