namespace Pbm.Client.AppFiles;

/// <summary>The apps of one app file, and one warning per key pbm does not support.</summary>
public sealed record AppFileSet(string Path, IReadOnlyList<AppFileEntry> Apps, IReadOnlyList<string> Warnings);
