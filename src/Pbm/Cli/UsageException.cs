namespace Pbm.Cli.Cli;

/// <summary>The command line itself is wrong: exit code 2 and one line saying what to fix.</summary>
internal sealed class UsageException(string message) : Exception(message);
