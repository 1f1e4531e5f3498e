using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Cli.Commands;
using Pbm.Cli.Output;
using Pbm.Client;

namespace Pbm.Cli;

/// <summary>pbm: the command line of the pbm process manager. Exit codes: 0 done, 1 failed, 2 bad command line.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, inRepl: false);

    /// <summary>Runs one command line; <paramref name="inRepl"/> when it is a line of the prompt (which then never nests).</summary>
    private static async Task<int> RunAsync(string[] args, bool inRepl)
    {
        ParsedArgs parsed;
        try
        {
            // A command pbm does not know may be a palette of the cluster: its options are known only once asked for.
            var probe = ArgParser.Parse(args, c => CommandTable.Commands.TryGetValue(c, out var spec) ? spec.Options : null, lenient: true);
            if (probe.Command is { } habit && Pm2Habits.Aliases.TryGetValue(habit, out var same))
            {
                args = [.. args];
                args[Array.IndexOf(args, habit)] = same;
                probe.Command = same;
            }
            else if (probe.Command is { } other && Pm2Habits.Instead.TryGetValue(other, out var instead) && !CommandTable.Commands.ContainsKey(other))
            {
                await Console.Error.WriteLineAsync($"pbm: no '{other}' command: {instead}");
                return 2;
            }
            if (probe.Command is { } unknown && !CommandTable.Commands.ContainsKey(unknown) && !probe.Has("version"))
                return await Guard(new Context(probe), () => PaletteCommand.RunAsync(args, probe));
            parsed = ArgParser.Parse(args, c => CommandTable.Commands.TryGetValue(c, out var spec) ? spec.Options : null);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        if (parsed.Has("version") && parsed.Command is null) parsed.Command = "version";
        if (parsed.Command is null && !parsed.Has("help") && !inRepl) return await Repl.RunAsync(parsed, RunAsync);
        if (parsed.Command is null || parsed.Command == "help" || parsed.Has("help"))
        {
            Console.Out.Write(Help.Text(parsed.Command == "help" ? parsed.Positionals.FirstOrDefault() : parsed.Command));
            return parsed.Command is null && !parsed.Has("help") ? 2 : 0;
        }

        var context = new Context(parsed);
        return await Guard(context, async () =>
        {
            var code = await Handlers.RunAsync(context);
            foreach (var w in context.Warnings) await Console.Error.WriteLineAsync($"warning: {w}");
            // A corrupt state file fails the command that found it (the one that started the daemon), once.
            return context.StartedDaemon && context.Warnings.Any(w => w.Contains("corrupt", StringComparison.Ordinal)) && code == 0 ? 1 : code;
        });
    }

    /// <summary>Runs a command, turning the failures every command may meet into one line and an exit code.</summary>
    private static async Task<int> Guard(Context context, Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        catch (PbmException e)
        {
            if (context.Json) await Console.Error.WriteLineAsync(JsonSerializer.Serialize(new Client.Contracts.ApiError(e.Message), Client.Contracts.PbmJsonContext.Default.ApiError));
            else await Console.Error.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (DaemonUnreachableException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot reach {context.Endpoint}: {e.Message}");
            return 1;
        }
    }
}
