namespace Pbm.Client.AppFiles;

/// <summary>
/// One app of an app file, translated into the command line that would start it: the script, CLI options
/// (name → values, "true" for a flag), the app's arguments and its variables (KEY=VALUE, env then env_NAME).
/// The CLI then resolves it exactly like <c>pbm start</c>, so a file accepts every option the CLI has.
/// </summary>
/// <param name="Where">"file:line" (or "file (apps[N])" for an evaluated .js), for messages.</param>
public sealed record AppFileEntry(
    string Where,
    string Script,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Options,
    IReadOnlyList<string> Args,
    IReadOnlyList<string> Env)
{
    public string? Name => Options.TryGetValue("name", out var v) && v.Count > 0 ? v[^1] : null;
}
