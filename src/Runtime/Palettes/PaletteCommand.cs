namespace Pbm.Runtime.Palettes;

/// <summary>
/// What a palette's handler actor receives for `pbm PALETTE COMMAND --ARG V`. Reply with a string (the output)
/// or a <see cref="PaletteReply"/>; an unanswered command fails after pbm.palettes.command-timeout.
/// Arguments hold every argument given, plus the defaults of those that were not; flags are "true".
/// </summary>
public sealed record PaletteCommand(string Palette, string Command, IReadOnlyDictionary<string, string> Arguments)
{
    /// <summary>The value of an argument, or null when it was not given and has no default.</summary>
    public string? Get(string name) => Arguments.TryGetValue(name, out var v) ? v : null;

    public bool Flag(string name) => Get(name) is "true";
}
