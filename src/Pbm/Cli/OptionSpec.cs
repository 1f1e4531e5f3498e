namespace Pbm.Cli.Cli;

/// <summary>An option a command accepts: its long name, short aliases, and whether it takes a value.</summary>
internal sealed record OptionSpec(string Name, bool TakesValue, string Help, params string[] Aliases);
