namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>Where the repository and the built binaries are (./pbm builds them into .build/bin; test.sh runs it first).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Bin => Path.Combine(Root, ".build", "bin");

    public static string Pbm
    {
        get
        {
            var path = Path.Combine(Bin, "pbm");
            if (!File.Exists(path)) throw new InvalidOperationException($"{path} is missing: run ./pbm --version (or ./test.sh) to build it first");
            return path;
        }
    }

    /// <summary>examples/EmbeddedService's build output (built with the tests, in their configuration).</summary>
    public static string EmbeddedService
    {
        get
        {
            var bin = Path.Combine(Root, "examples", "EmbeddedService", "bin");
            var dll = Directory.Exists(bin)
                ? Directory.GetFiles(bin, "EmbeddedService.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                : null;
            return dll ?? throw new InvalidOperationException($"{bin} has no EmbeddedService.dll: build examples/EmbeddedService (dotnet test builds it)");
        }
    }

    public static string App(string name) => Path.Combine(Root, "tests", "Integration.Tests", "apps", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Runtime.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find Runtime.sln above " + AppContext.BaseDirectory);
    }
}
