namespace Pbm.Cli.Cli;

/// <summary>
/// A strict parser: every option must be declared by the command (or be global), so a typo is an error
/// instead of being silently ignored. "--name=x" and "--name x" both work; everything after "--" is passed on.
/// </summary>
internal static class ArgParser
{
    public static readonly OptionSpec[] Global =
    [
        new("endpoint", true, "control API of a remote node, HOST:PORT (env PBM_ENDPOINT)"),
        new("token", true, "API token for --endpoint (env PBM_TOKEN)"),
        new("json", false, "machine-readable output"),
        new("help", false, "show help", "-h"),
        new("version", false, "print the version", "-v"),
    ];

    /// <summary>
    /// Splits <paramref name="args"/>. With <paramref name="lenient"/>, an unknown option is skipped instead of being an
    /// error (used to find the command of a palette line before the palette's own options are known).
    /// </summary>
    public static ParsedArgs Parse(string[] args, Func<string, IReadOnlyList<OptionSpec>?> optionsOf, bool lenient = false)
    {
        var parsed = new ParsedArgs();
        IReadOnlyList<OptionSpec> allowed = Global;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                parsed.Rest.AddRange(args[(i + 1)..]);
                break;
            }
            if (arg.StartsWith('-') && arg.Length > 1 && !IsNumber(arg))
            {
                string name;
                string? inline = null;
                if (arg.StartsWith("--", StringComparison.Ordinal))
                {
                    var eq = arg.IndexOf('=');
                    name = eq > 0 ? arg[2..eq] : arg[2..];
                    if (eq > 0) inline = arg[(eq + 1)..];
                }
                else
                {
                    name = arg;
                }
                var spec = allowed.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name))
                           ?? Global.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
                if (spec is null && lenient) continue;
                if (spec is null)
                {
                    var where = parsed.Command is null ? "pbm" : $"pbm {parsed.Command}";
                    throw new UsageException($"unknown option '{arg}' for {where} (see {where} --help)");
                }
                string value;
                if (spec.OptionalValue)
                {
                    value = inline ?? (parsed.Positionals.Count > 0 && i + 1 < args.Length && !args[i + 1].StartsWith('-') ? args[++i] : "true");
                }
                else if (!spec.TakesValue)
                {
                    if (inline is not null) throw new UsageException($"option --{spec.Name} takes no value");
                    value = "true";
                }
                else if (inline is not null)
                {
                    value = inline;
                }
                else if (i + 1 < args.Length)
                {
                    value = args[++i];
                }
                else
                {
                    throw new UsageException($"option --{spec.Name} needs a value");
                }
                if (!parsed.Options.TryGetValue(spec.Name, out var list)) parsed.Options[spec.Name] = list = [];
                list.Add(value);
                continue;
            }
            if (parsed.Command is null)
            {
                parsed.Command = arg;
                allowed = optionsOf(arg) ?? Global;
            }
            else
            {
                parsed.Positionals.Add(arg);
            }
        }
        return parsed;
    }

    private static bool IsNumber(string arg) => arg.Length > 1 && arg[0] == '-' && arg[1..].All(char.IsAsciiDigit);
}
