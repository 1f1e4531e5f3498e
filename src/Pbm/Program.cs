using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Cli.Commands;
using Pbm.Cli.Output;
using Pbm.Client;

namespace Pbm.Cli;

/// <summary>pbm: the command line of the pbm process manager. Exit codes: 0 done, 1 failed, 2 bad command line.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ParsedArgs parsed;
        try
        {
            parsed = ArgParser.Parse(args, c => CommandTable.Commands.TryGetValue(c, out var spec) ? spec.Options : null);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        if (parsed.Has("version") && parsed.Command is null) parsed.Command = "version";
        if (parsed.Command is null || parsed.Command == "help" || parsed.Has("help"))
        {
            Console.Out.Write(Help.Text(parsed.Command == "help" ? parsed.Positionals.FirstOrDefault() : parsed.Command));
            return parsed.Command is null && !parsed.Has("help") ? 2 : 0;
        }
        if (!CommandTable.Commands.ContainsKey(parsed.Command))
        {
            await Console.Error.WriteLineAsync($"error: unknown command '{parsed.Command}' (pbm help lists them)");
            return 2;
        }

        var context = new Context(parsed);
        try
        {
            var code = await Handlers.RunAsync(context);
            foreach (var w in context.Warnings) await Console.Error.WriteLineAsync($"warning: {w}");
            // A corrupt state file fails the command that found it (the one that started the daemon), once.
            return context.StartedDaemon && context.Warnings.Any(w => w.Contains("corrupt", StringComparison.Ordinal)) && code == 0 ? 1 : code;
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
