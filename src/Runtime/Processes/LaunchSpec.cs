namespace Pbm.Runtime.Processes;

/// <summary>Everything needed to exec one instance's process.</summary>
internal sealed record LaunchSpec(
    string Command,
    IReadOnlyList<string> Args,
    string Cwd,
    IReadOnlyDictionary<string, string> Env);
