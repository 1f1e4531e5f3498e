using Pbm.Cli.Cli;
using Pbm.Cli.Output;
using Pbm.Client;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Commands;

/// <summary>
/// pbm monit: a live full-screen view of every instance (status, cpu, memory, restarts, uptime) and the latest
/// log lines of the selected instance's app, refreshed every second. Up/down (or k/j) select, q or Esc quits.
/// Drawn with plain ANSI on the alternate screen (no library: the CLI is NativeAOT), restored on exit.
/// </summary>
internal static class Monit
{
    public static async Task<int> RunAsync(Context c)
    {
        if (c.Args.Positionals.Count > 0) throw new UsageException($"unexpected argument '{c.Args.Positionals[0]}' for pbm monit");
        if (Console.IsOutputRedirected || Console.IsInputRedirected) throw new UsageException("pbm monit needs a terminal (use pbm list --json in scripts)");
        await c.CallAsync(cl => cl.PingAsync());
        var view = new MonitView();
        var stdout = Console.Out;
        Console.TreatControlCAsInput = true;
        stdout.Write("\u001b[?1049h\u001b[?25l");
        stdout.Flush();
        try
        {
            var quit = false;
            while (!quit)
            {
                var (w, h) = Size();
                ListResult? list = null;
                string? error = null;
                try
                {
                    list = await c.Client.ListAsync();
                    view.Update(list);
                    var app = view.SelectedApp;
                    var lines = new List<LogEntry>();
                    if (app is not null)
                        await foreach (var e in c.Client.LogsAsync(app, Math.Max(1, h / 3), null, false)) lines.Add(e);
                    view.Logs = lines;
                }
                catch (Exception e) when (e is PbmException or DaemonUnreachableException or HttpRequestException)
                {
                    error = e.Message;
                }
                stdout.Write(view.Render(w, h, error));
                stdout.Flush();
                var until = DateTime.UtcNow.AddSeconds(1);
                while (!quit && DateTime.UtcNow < until)
                {
                    if (!Console.KeyAvailable)
                    {
                        await Task.Delay(40);
                        continue;
                    }
                    var key = Console.ReadKey(intercept: true);
                    switch (key.Key)
                    {
                        case ConsoleKey.Q or ConsoleKey.Escape:
                        case ConsoleKey.C when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                            quit = true;
                            break;
                        case ConsoleKey.UpArrow or ConsoleKey.K:
                            view.Move(-1);
                            until = DateTime.UtcNow;
                            break;
                        case ConsoleKey.DownArrow or ConsoleKey.J:
                            view.Move(1);
                            until = DateTime.UtcNow;
                            break;
                    }
                }
            }
        }
        finally
        {
            stdout.Write("\u001b[0m\u001b[?25h\u001b[?1049l");
            stdout.Flush();
            Console.TreatControlCAsInput = false;
        }
        return 0;
    }

    private static (int Width, int Height) Size()
    {
        try
        {
            return (Math.Max(40, Console.WindowWidth), Math.Max(10, Console.WindowHeight));
        }
        catch (IOException)
        {
            return (80, 24);
        }
    }
}
