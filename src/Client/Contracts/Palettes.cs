using System.Text.RegularExpressions;

namespace Pbm.Client.Contracts;

/// <summary>
/// A command palette a service registers (as Petabridge.Cmd palettes): `pbm NAME COMMAND --ARG V ...`.
/// Built-in pbm commands win over a palette of the same name, so such names are refused.
/// </summary>
public sealed partial record PaletteDefinition(string Name, string Description, IReadOnlyList<CommandDefinition> Commands)
{
    /// <summary>Names pbm's own commands use (and the REPL's exit/quit).</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "start", "list", "ls", "show", "stop", "restart", "delete", "del", "scale", "reload", "deploy", "rollback", "disconnect",
        "logs", "flush", "monit", "env", "pid", "startup", "completion", "ping", "kill", "save", "resurrect", "daemon", "cluster",
        "hosts", "actor", "version", "help", "palettes", "events", "exit", "quit",
    };

    public CommandDefinition? Command(string name) => Commands.FirstOrDefault(c => c.Name == name);

    /// <summary>What is wrong with this definition, or null when it is usable.</summary>
    public string? Problem()
    {
        if (!Word().IsMatch(Name ?? "")) return $"palette name '{Name}': expected lower-case letters, digits and dashes";
        if (Reserved.Contains(Name!)) return $"palette name '{Name}' is a pbm command";
        if (Commands is null || Commands.Count == 0) return $"palette {Name} has no commands";
        foreach (var c in Commands)
        {
            if (!Word().IsMatch(c.Name ?? "")) return $"palette {Name}: command name '{c.Name}': expected lower-case letters, digits and dashes";
            if (Commands.Count(x => x.Name == c.Name) > 1) return $"palette {Name}: command {c.Name} is defined twice";
            foreach (var a in c.Arguments ?? [])
            {
                if (!Word().IsMatch(a.Name ?? "")) return $"palette {Name} {c.Name}: argument name '{a.Name}': expected lower-case letters, digits and dashes";
                if (a.Name is "help" or "json" or "endpoint" or "token") return $"palette {Name} {c.Name}: argument --{a.Name} is a pbm option";
                if (c.Arguments!.Count(x => x.Name == a.Name) > 1) return $"palette {Name} {c.Name}: argument --{a.Name} is defined twice";
            }
        }
        return null;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex Word();
}

/// <summary>One command of a palette.</summary>
public sealed record CommandDefinition(string Name, string Description, IReadOnlyList<ArgumentDefinition> Arguments);

/// <summary>
/// An argument of a palette command, given as --NAME VALUE (or --NAME alone when <paramref name="IsFlag"/>).
/// A missing optional argument takes <paramref name="Default"/> when set.
/// </summary>
public sealed record ArgumentDefinition(string Name, string Description, bool Required = false, bool IsFlag = false, string? Default = null);

/// <summary>A palette as GET /api/palettes lists it: its definition and the nodes that registered it.</summary>
public sealed record PaletteInfo(PaletteDefinition Palette, IReadOnlyList<string> Nodes);

/// <summary>Body of POST /api/palettes/{palette}/{command}: argument values by name (flags are "true").</summary>
public sealed record PaletteRequest(IReadOnlyDictionary<string, string> Arguments);

/// <summary>What a palette command answered, and which node's handler answered it.</summary>
public sealed record PaletteResult(string Output, bool Success, string Node);
