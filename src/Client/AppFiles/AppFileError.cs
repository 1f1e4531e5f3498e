namespace Pbm.Client.AppFiles;

/// <summary>Errors about an app file: always the file, the line when known, and what is wrong.</summary>
public static class AppFileError
{
    public static PbmException At(string file, int line, string problem) =>
        new(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}");
}
