namespace Pbm.Client.AppFiles;

/// <summary>
/// The apps of one app file, one warning per key pbm does not support, and the variables the file put into
/// <c>process.env</c> as it was evaluated (a .config.js that loads dotenv): every app of the file inherits those.
/// </summary>
public sealed record AppFileSet(string Path, IReadOnlyList<AppFileEntry> Apps, IReadOnlyList<string> Warnings, IReadOnlyDictionary<string, string> Env);
