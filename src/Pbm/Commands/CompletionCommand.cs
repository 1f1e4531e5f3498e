using System.Text;
using Pbm.Cli.Cli;
using Pbm.Client;

namespace Pbm.Cli.Commands;

/// <summary>
/// pbm completion bash|zsh prints a completion script built from the command table (so it never lags behind
/// the CLI); app names come from `pbm __complete apps`, which asks a running daemon and never starts one.
/// </summary>
internal static class CompletionCommand
{
    /// <summary>Commands whose argument is an app (or app:N).</summary>
    private static readonly string[] AppCommands = ["show", "stop", "restart", "delete", "del", "scale", "reload", "deploy", "rollback", "disconnect", "env", "pid", "start"];

    public static int Run(Context c)
    {
        var shell = c.Args.Positionals.FirstOrDefault() ?? throw new UsageException("usage: pbm completion <bash|zsh>");
        if (c.Args.Positionals.Count > 1) throw new UsageException("usage: pbm completion <bash|zsh>");
        Console.Out.Write(shell switch
        {
            "bash" => Bash(),
            "zsh" => Zsh(),
            _ => throw new UsageException($"pbm completion {shell}: bash or zsh"),
        });
        return 0;
    }

    /// <summary>
    /// pbm __complete apps | palettes | palette NAME [COMMAND]: app names, palette names, a palette's commands, or a
    /// palette command's options, one per line; nothing (and exit 0) when no daemon answers.
    /// </summary>
    public static async Task<int> CompleteAsync(Context c)
    {
        var what = c.Args.Positionals;
        if (what is not (["apps"] or ["palettes"] or ["palette", _] or ["palette", _, _]))
            throw new UsageException("usage: pbm __complete apps|palettes|palette NAME [COMMAND]");
        try
        {
            using var client = new PbmClient(c.Endpoint, TimeSpan.FromSeconds(3));
            if (what[0] == "apps")
            {
                var list = await client.ListAsync();
                foreach (var app in list.Apps) Console.Out.WriteLine(app.Spec.Name);
                return 0;
            }
            var palettes = await client.PalettesAsync();
            if (what[0] == "palettes")
            {
                foreach (var p in palettes.Where(p => !CommandTable.Commands.ContainsKey(p.Palette.Name))) Console.Out.WriteLine(p.Palette.Name);
                return 0;
            }
            var palette = palettes.FirstOrDefault(p => p.Palette.Name == what[1])?.Palette;
            if (palette is null) return 0;
            if (what.Count == 2)
                foreach (var cmd in palette.Commands) Console.Out.WriteLine(cmd.Name);
            else if (palette.Command(what[2]) is { } command)
                foreach (var a in command.Arguments) Console.Out.WriteLine("--" + a.Name);
        }
        catch (Exception e) when (e is PbmException or DaemonUnreachableException or HttpRequestException or TaskCanceledException)
        {
            // Completion must never fail loudly nor start a daemon.
        }
        return 0;
    }

    private static IEnumerable<string> Commands => CommandTable.Commands.Keys.Where(k => !k.StartsWith("__", StringComparison.Ordinal));

    private static string Flags(OptionSpec[] options) =>
        string.Join(' ', options.Concat(ArgParser.Global).SelectMany(o => o.Aliases.Prepend("--" + o.Name)));

    private static string ValueOptions() =>
        string.Join('|', CommandTable.Commands.Values.SelectMany(c => c.Options).Concat(ArgParser.Global)
            .Where(o => o.TakesValue).SelectMany(o => o.Aliases.Prepend("--" + o.Name)).Distinct());

    private static string Bash()
    {
        var sb = new StringBuilder();
        sb.Append("# pbm completion for bash. Load it with: source <(pbm completion bash)\n");
        sb.Append("_pbm() {\n");
        sb.Append("  local cur prev cmd sub i w\n");
        sb.Append("  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n");
        sb.Append("  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n");
        sb.Append("  cmd=\"\"; sub=\"\"\n");
        sb.Append("  for ((i = 1; i < COMP_CWORD; i++)); do\n");
        sb.Append("    w=\"${COMP_WORDS[i]}\"\n");
        sb.Append("    case \"$w\" in\n");
        sb.Append("      ").Append(ValueOptions()).Append(") ((i++)) ;;\n");
        sb.Append("      -*) ;;\n");
        sb.Append("      *) if [[ -z \"$cmd\" ]]; then cmd=\"$w\"; elif [[ -z \"$sub\" ]]; then sub=\"$w\"; fi ;;\n");
        sb.Append("    esac\n");
        sb.Append("  done\n");
        sb.Append("  case \"$prev\" in\n");
        sb.Append("    --cwd|--path) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n");
        sb.Append("    --pid-file|--watch) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n");
        sb.Append("    ").Append(ValueOptions()).Append(") COMPREPLY=(); return ;;\n");
        sb.Append("  esac\n");
        sb.Append("  if [[ -z \"$cmd\" ]]; then\n");
        sb.Append("    COMPREPLY=($(compgen -W \"").Append(string.Join(' ', Commands)).Append(' ').Append(Flags([])).Append(" $(\"${COMP_WORDS[0]}\" __complete palettes 2>/dev/null)\" -- \"$cur\"))\n");
        sb.Append("    return\n");
        sb.Append("  fi\n");
        sb.Append("  if [[ \"$cur\" == -* ]]; then\n");
        sb.Append("    case \"$cmd\" in\n");
        foreach (var (name, spec) in CommandTable.Commands.Where(c => c.Value.Options.Length > 0))
            sb.Append("      ").Append(name).Append(") COMPREPLY=($(compgen -W \"").Append(Flags(spec.Options)).Append("\" -- \"$cur\")) ;;\n");
        sb.Append("      *) COMPREPLY=($(compgen -W \"").Append(Flags([])).Append(" $(\"${COMP_WORDS[0]}\" __complete palette \"$cmd\" \"$sub\" 2>/dev/null)\" -- \"$cur\")) ;;\n");
        sb.Append("    esac\n");
        sb.Append("    return\n");
        sb.Append("  fi\n");
        sb.Append("  local apps\n");
        sb.Append("  case \"$cmd\" in\n");
        sb.Append("    start)\n");
        sb.Append("      apps=\"$(\"${COMP_WORDS[0]}\" __complete apps 2>/dev/null)\"\n");
        sb.Append("      COMPREPLY=($(compgen -W \"$apps\" -- \"$cur\") $(compgen -f -- \"$cur\")) ;;\n");
        sb.Append("    ").Append(string.Join('|', AppCommands.Where(a => a != "start"))).Append(")\n");
        sb.Append("      apps=\"$(\"${COMP_WORDS[0]}\" __complete apps 2>/dev/null)\"\n");
        sb.Append("      COMPREPLY=($(compgen -W \"$apps all\" -- \"$cur\")) ;;\n");
        sb.Append("    completion) COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\")) ;;\n");
        sb.Append("    help) COMPREPLY=($(compgen -W \"").Append(string.Join(' ', Commands)).Append("\" -- \"$cur\")) ;;\n");
        sb.Append("    save|resurrect) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n");
        // Anything else may be a palette of the cluster: complete its commands.
        sb.Append("    *) if [[ -z \"$sub\" ]]; then COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" __complete palette \"$cmd\" 2>/dev/null)\" -- \"$cur\")); else COMPREPLY=(); fi ;;\n");
        sb.Append("  esac\n");
        sb.Append("}\n");
        sb.Append("complete -F _pbm pbm\n");
        return sb.ToString();
    }

    private static string Zsh()
    {
        var sb = new StringBuilder();
        sb.Append("#compdef pbm\n# pbm completion for zsh. Load it with: source <(pbm completion zsh)\n");
        sb.Append("_pbm() {\n");
        sb.Append("  local -a commands apps flags\n");
        sb.Append("  commands=(\n");
        foreach (var name in Commands)
            sb.Append("    '").Append(name).Append(':').Append(CommandTable.Commands[name].Help.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        sb.Append("  )\n");
        sb.Append("  if (( CURRENT == 2 )); then\n");
        sb.Append("    _describe -t commands 'pbm command' commands\n");
        sb.Append("    apps=(${(f)\"$(${words[1]} __complete palettes 2>/dev/null)\"})\n");
        sb.Append("    (( ${#apps} )) && compadd -a apps\n");
        sb.Append("    return\n");
        sb.Append("  fi\n");
        sb.Append("  local cmd=${words[2]}\n");
        sb.Append("  if [[ ${words[CURRENT]} == -* ]]; then\n");
        sb.Append("    case $cmd in\n");
        foreach (var (name, spec) in CommandTable.Commands.Where(c => c.Value.Options.Length > 0))
            sb.Append("      ").Append(name).Append(") flags=(").Append(Flags(spec.Options)).Append(") ;;\n");
        sb.Append("      *) flags=(").Append(Flags([])).Append(") ;;\n");
        sb.Append("    esac\n");
        sb.Append("    compadd -- $flags\n");
        sb.Append("    return\n");
        sb.Append("  fi\n");
        sb.Append("  case $cmd in\n");
        sb.Append("    start)\n");
        sb.Append("      apps=(${(f)\"$(${words[1]} __complete apps 2>/dev/null)\"})\n");
        sb.Append("      compadd -a apps\n");
        sb.Append("      _files ;;\n");
        sb.Append("    ").Append(string.Join('|', AppCommands.Where(a => a != "start"))).Append(")\n");
        sb.Append("      apps=(${(f)\"$(${words[1]} __complete apps 2>/dev/null)\"} all)\n");
        sb.Append("      compadd -a apps ;;\n");
        sb.Append("    completion) compadd bash zsh ;;\n");
        sb.Append("    help) compadd -- ").Append(string.Join(' ', Commands)).Append(" ;;\n");
        sb.Append("    save|resurrect) _files ;;\n");
        sb.Append("    *)\n");
        sb.Append("      if (( CURRENT == 3 )); then\n");
        sb.Append("        apps=(${(f)\"$(${words[1]} __complete palette $cmd 2>/dev/null)\"})\n");
        sb.Append("        (( ${#apps} )) && compadd -a apps\n");
        sb.Append("      fi ;;\n");
        sb.Append("  esac\n");
        sb.Append("}\n");
        sb.Append("compdef _pbm pbm\n");
        return sb.ToString();
    }
}
