using System.Globalization;
using System.Text.Json;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Output;

/// <summary>Prints log entries: "[host] app:N  time  message" (coloured by instance on a terminal, stderr in red), raw, or JSON lines.</summary>
internal sealed class LogPrinter(TextWriter output, bool json, bool raw, bool color)
{
    private static readonly string[] Palette = ["36", "35", "34", "32", "33", "96", "95", "94"];

    public void Print(LogEntry e)
    {
        if (json)
        {
            output.Write(JsonSerializer.Serialize(e, PbmJsonContext.Default.LogEntry));
            output.Write('\n');
            return;
        }
        if (raw)
        {
            output.Write(e.Message);
            output.Write('\n');
            return;
        }
        output.Write(Format(e, color));
        output.Write('\n');
    }

    /// <summary>"app:N  | time message"; in a cluster the host comes first: "host  app:N  | time message".</summary>
    public static string Format(LogEntry e, bool color, bool withDate = true)
    {
        var id = $"{e.App}:{e.Index}";
        var pad = new string(' ', Math.Max(1, 10 - id.Length));
        var time = e.At is { } at ? at.ToLocalTime().ToString(withDate ? "yyyy-MM-dd HH:mm:ss.fff" : "HH:mm:ss.fff", CultureInfo.InvariantCulture) + " " : "";
        var host = e.Host is { Length: > 0 } h ? h + " " : "";
        if (!color) return $"{host}{id}{pad}{(e.Stream == "err" ? "! " : "| ")}{time}{e.Message}";
        var c = Palette[(e.App.Sum(ch => ch) + e.Index) % Palette.Length];
        var message = e.Stream == "err" ? $"\u001b[31m{e.Message}\u001b[0m" : e.Message;
        var dimHost = host.Length > 0 ? $"\u001b[2m{host}\u001b[0m" : "";
        return $"{dimHost}\u001b[{c}m{id}\u001b[0m{pad}\u001b[2m{(e.Stream == "err" ? "! " : "| ")}{time}\u001b[0m{message}";
    }
}
