using System.Text;

namespace Pbm.Cli.Commands;

internal static class Help
{
    public static string Text(string? command)
    {
        var sb = new StringBuilder();
        if (command is not null && CommandTable.Commands.TryGetValue(command, out var c))
        {
            sb.Append("usage: pbm ").Append(c.Usage).Append("\n\n").Append(c.Help).Append('\n');
            if (c.Options.Length > 0)
            {
                sb.Append("\noptions:\n");
                foreach (var o in c.Options)
                    sb.Append("  ").Append(((o.Aliases.Length > 0 ? string.Join(", ", o.Aliases) + ", " : "") + "--" + o.Name + (o.TakesValue ? " V" : o.OptionalValue ? " [V]" : "")).PadRight(28)).Append(o.Help).Append('\n');
            }
            AppendGlobal(sb);
            return sb.ToString();
        }
        sb.Append("pbm: keeps applications alive, on one host or a cluster\n\nusage: pbm <command> [options]\n\ncommands:\n");
        foreach (var (name, spec) in CommandTable.Commands.Where(c => !c.Key.StartsWith("__", StringComparison.Ordinal)))
            sb.Append("  ").Append(spec.Usage.PadRight(48)).Append(spec.Help).Append('\n');
        sb.Append("  ").Append("PALETTE COMMAND [--ARG V]..".PadRight(48)).Append("a command palette a service registered (pbm palettes lists them)\n");
        AppendGlobal(sb);
        sb.Append("\npbm with no command opens a prompt that runs these commands line by line (exit or Ctrl+D leaves).\n");
        sb.Append("\nPBM_HOME (default ~/.pbm) holds the daemon's socket, token, state and logs.\n");
        return sb.ToString();
    }

    private static void AppendGlobal(StringBuilder sb)
    {
        sb.Append("\nglobal options:\n");
        foreach (var o in Cli.ArgParser.Global)
            sb.Append("  ").Append(("--" + o.Name + (o.TakesValue ? " V" : "")).PadRight(28)).Append(o.Help).Append('\n');
    }
}
