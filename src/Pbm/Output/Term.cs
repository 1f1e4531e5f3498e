using System.Globalization;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Output;

/// <summary>Colours (only on a terminal, and never with NO_COLOR) and human formats.</summary>
internal static class Term
{
    public static readonly bool Color = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null
                                        && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    private static string Wrap(string code, string text) => Color ? $"\u001b[{code}m{text}\u001b[0m" : text;

    public static string Dim(string text) => Wrap("2", text);
    public static string Bold(string text) => Wrap("1", text);
    public static string Green(string text) => Wrap("32", text);
    public static string Red(string text) => Wrap("31", text);
    public static string Yellow(string text) => Wrap("33", text);

    public static int VisibleLength(string text)
    {
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\u001b')
            {
                while (i < text.Length && text[i] != 'm') i++;
                continue;
            }
            n++;
        }
        return n;
    }

    public static string Status(string status) => status switch
    {
        InstanceStatus.Online => Green(status),
        InstanceStatus.Errored or InstanceStatus.Unhealthy => Red(status),
        InstanceStatus.Stopped => Dim(status),
        _ => Yellow(status),
    };

    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalSeconds < 60) return $"{(int)t.TotalSeconds}s";
        if (t.TotalMinutes < 60) return $"{(int)t.TotalMinutes}m";
        if (t.TotalHours < 48) return $"{(int)t.TotalHours}h";
        return $"{(int)t.TotalDays}d";
    }

    public static string Ms(long ms) => ms < 1000 ? $"{ms} ms" : $"{(ms / 1000.0).ToString("0.#", CultureInfo.InvariantCulture)} s";
}
