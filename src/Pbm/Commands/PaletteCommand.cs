using System.Text;
using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Cli.Output;
using Pbm.Client;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Commands;

/// <summary>
/// Palettes services registered (WithPbmPalette), discovered from the node at connect time: a command pbm does not
/// know is looked up among them, its options parsed by the palette's own definition, and run on its handler.
/// Discovery never starts a daemon: with none, there are no palettes.
/// </summary>
internal static class PaletteCommand
{
    public static async Task<int> ListAsync(Context c)
    {
        var palettes = await c.CallAsync(cl => cl.PalettesAsync());
        if (c.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(palettes, PbmJsonContext.Indented.ListPaletteInfo));
            return 0;
        }
        if (palettes.Count == 0)
        {
            Console.Out.WriteLine("no palettes (services register them with WithPbmPalette)");
            return 0;
        }
        var table = new Table("PALETTE", "COMMANDS", "NODES", "DESCRIPTION");
        foreach (var p in palettes)
            table.Add(Term.Bold(p.Palette.Name), string.Join(",", p.Palette.Commands.Select(x => x.Name)), string.Join(",", p.Nodes), p.Palette.Description);
        Console.Out.Write(table.Render());
        return 0;
    }

    /// <summary>pbm PALETTE [COMMAND] [--ARG V].. [--help]; <paramref name="probe"/> is the line parsed leniently.</summary>
    public static async Task<int> RunAsync(string[] args, ParsedArgs probe)
    {
        var name = probe.Command!;
        var c = new Context(probe);
        var palette = await FindAsync(c, name);
        if (palette is null)
        {
            await Console.Error.WriteLineAsync($"error: unknown command '{name}' (pbm help lists them; pbm palettes lists the palettes of the cluster)");
            return 2;
        }
        var sub = probe.Positionals.FirstOrDefault();
        if (sub is null)
        {
            Console.Out.Write(PaletteHelp(palette));
            return probe.Has("help") ? 0 : 2;
        }
        var command = palette.Palette.Command(sub);
        if (command is null)
        {
            await Console.Error.WriteLineAsync($"error: unknown command '{sub}' of palette {name}: {string.Join(", ", palette.Palette.Commands.Select(x => x.Name))} (pbm {name} --help)");
            return 2;
        }
        if (probe.Has("help"))
        {
            Console.Out.Write(CommandHelp(palette.Palette, command));
            return 0;
        }
        var specs = command.Arguments.Select(a => new OptionSpec(a.Name, !a.IsFlag, a.Description)).ToArray();
        var parsed = ArgParser.Parse(args, x => x == name ? specs : null);
        if (parsed.Positionals.Count > 1) throw new UsageException($"unexpected argument '{parsed.Positionals[1]}' for pbm {name} {sub} (see pbm {name} {sub} --help)");
        if (parsed.Rest.Count > 0) throw new UsageException($"pbm {name} {sub} takes no arguments after --");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in command.Arguments)
        {
            if (parsed.Value(a.Name) is { } v) values[a.Name] = v;
            else if (a.Required) throw new UsageException($"missing --{a.Name}: {a.Description} (see pbm {name} {sub} --help)");
        }
        var result = await c.Client.RunPaletteAsync(name, sub, values);
        if (c.Json) Console.Out.WriteLine(JsonSerializer.Serialize(result, PbmJsonContext.Indented.PaletteResult));
        else if (result.Output.Length > 0) Console.Out.Write(result.Output.EndsWith('\n') ? result.Output : result.Output + "\n");
        return result.Success ? 0 : 1;
    }

    private static async Task<PaletteInfo?> FindAsync(Context c, string name)
    {
        try
        {
            var palettes = await c.Client.PalettesAsync();
            return palettes.FirstOrDefault(p => p.Palette.Name == name);
        }
        catch (DaemonUnreachableException)
        {
            return null;
        }
    }

    private static string PaletteHelp(PaletteInfo info)
    {
        var p = info.Palette;
        var sb = new StringBuilder();
        sb.Append("usage: pbm ").Append(p.Name).Append(" <command> [options]\n\n");
        if (p.Description.Length > 0) sb.Append(p.Description).Append('\n');
        sb.Append("(palette registered by ").Append(string.Join(", ", info.Nodes)).Append(")\n\ncommands:\n");
        foreach (var cmd in p.Commands)
            sb.Append("  ").Append(cmd.Name.PadRight(24)).Append(cmd.Description).Append('\n');
        sb.Append("\npbm ").Append(p.Name).Append(" <command> --help shows a command's options.\n");
        return sb.ToString();
    }

    private static string CommandHelp(PaletteDefinition p, CommandDefinition cmd)
    {
        var sb = new StringBuilder();
        sb.Append("usage: pbm ").Append(p.Name).Append(' ').Append(cmd.Name);
        foreach (var a in cmd.Arguments)
        {
            var text = "--" + a.Name + (a.IsFlag ? "" : " V");
            sb.Append(' ').Append(a.Required ? text : "[" + text + "]");
        }
        sb.Append("\n\n").Append(cmd.Description).Append('\n');
        if (cmd.Arguments.Count > 0)
        {
            sb.Append("\noptions:\n");
            foreach (var a in cmd.Arguments)
            {
                var extra = a.Required ? " (required)" : a.Default is not null ? $" (default {a.Default})" : "";
                sb.Append("  ").Append(("--" + a.Name + (a.IsFlag ? "" : " V")).PadRight(28)).Append(a.Description).Append(extra).Append('\n');
            }
        }
        return sb.ToString();
    }
}
