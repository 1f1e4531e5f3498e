using System.Text;
using Pbm.Cli.Cli;
using Pbm.Client;

namespace Pbm.Cli.Commands;

/// <summary>
/// `pbm` with no command: a prompt, "[HOST:PORT] pbm>" (for the local socket, the daemon's node name, or
/// "local" when none answers), that runs each line as a pbm command, built-in or palette, until exit or Ctrl+D.
/// Global options given to pbm itself (--endpoint, --token, --json) apply to every line that does not set them.
/// </summary>
internal static class Repl
{
    public static async Task<int> RunAsync(ParsedArgs globals, Func<string[], bool, Task<int>> run)
    {
        var c = new Context(globals);
        var label = c.Endpoint.IsLocal ? await LocalLabelAsync(c) : $"{c.Endpoint.Host}:{c.Endpoint.Port}";
        var last = 0;
        while (true)
        {
            Console.Out.Write($"[{label}] pbm> ");
            Console.Out.Flush();
            var line = Console.In.ReadLine();
            if (line is null)
            {
                Console.Out.WriteLine();
                return last;
            }
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line is "exit" or "quit") return last;
            List<string> words;
            try
            {
                words = Split(line);
            }
            catch (UsageException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                last = 2;
                continue;
            }
            if (words.Count > 0 && words[0] == "pbm") words.RemoveAt(0);
            if (words.Count == 0) continue;
            foreach (var name in new[] { "endpoint", "token" })
                if (globals.Value(name) is { } v && !words.Any(w => w == "--" + name || w.StartsWith("--" + name + "=", StringComparison.Ordinal)))
                    words.AddRange(["--" + name, v]);
            if (globals.Has("json") && !words.Contains("--json")) words.Add("--json");
            last = await run([.. words], true);
        }
    }

    private static async Task<string> LocalLabelAsync(Context c)
    {
        try
        {
            using var client = new PbmClient(c.Endpoint, TimeSpan.FromSeconds(3));
            return (await client.PingAsync()).Node;
        }
        catch (Exception e) when (e is PbmException or DaemonUnreachableException or HttpRequestException or TaskCanceledException)
        {
            return "local";
        }
    }

    /// <summary>Splits a line into words as a shell would: blanks separate, quotes group, a backslash escapes.</summary>
    internal static List<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quote is { } q)
            {
                if (ch == q) quote = null;
                else if (ch == '\\' && q == '"' && i + 1 < line.Length) word.Append(line[++i]);
                else word.Append(ch);
                continue;
            }
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (ch is '"' or '\'') quote = ch;
            else if (ch == '\\' && i + 1 < line.Length) word.Append(line[++i]);
            else word.Append(ch);
        }
        if (quote is not null) throw new UsageException($"unclosed {quote} quote");
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
