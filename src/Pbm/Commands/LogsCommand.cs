using Pbm.Cli.Cli;
using Pbm.Cli.Output;

namespace Pbm.Cli.Commands;

/// <summary>pbm logs: the tail of each instance's files merged by time, then new lines until Ctrl+C (unless --nostream).</summary>
internal static class LogsCommand
{
    public static async Task<int> RunAsync(Context c)
    {
        var a = c.Args;
        if (a.Positionals.Count > 1) throw new UsageException($"pbm logs takes one app or instance, got {a.Positionals.Count}");
        var target = a.Positionals.FirstOrDefault();
        var lines = 15;
        if (a.Value("lines") is { } text && (!int.TryParse(text, out lines) || lines < 0))
            throw new UsageException($"--lines {text}: expected a number of lines, 0 or more");
        if (a.Has("err") && a.Has("out")) throw new UsageException("--err and --out exclude each other (give neither for both)");
        var stream = a.Has("err") ? "err" : a.Has("out") ? "out" : null;
        // As PM2: logs stream until Ctrl+C unless --nostream says otherwise.
        if (a.Has("follow") && a.Has("nostream")) throw new UsageException("--follow and --nostream exclude each other");
        var follow = !a.Has("nostream");

        // Starts the daemon if none runs, as every command does; then the stream cannot fail for that reason.
        await c.CallAsync(cl => cl.PingAsync());
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        var printer = new LogPrinter(stdout, c.Json, a.Has("raw"), Term.Color);
        try
        {
            await foreach (var entry in c.Client.LogsAsync(target, lines, stream, follow, cts.Token))
            {
                printer.Print(entry);
                stdout.Flush();
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Ctrl+C: the normal end of --follow.
        }
        stdout.Flush();
        return 0;
    }
}
