namespace Pbm.Cli.Cli;

/// <summary>An option a command accepts: its long name, short aliases, and whether it takes a value.</summary>
internal sealed record OptionSpec(string Name, bool TakesValue, string Help, params string[] Aliases)
{
    /// <summary>
    /// A flag that may take a value: "--watch=a,b" always, "--watch a,b" once the command has its positional
    /// argument (pbm start app.js --watch src), else it is a plain flag (value "true").
    /// </summary>
    public bool OptionalValue { get; init; }
}
