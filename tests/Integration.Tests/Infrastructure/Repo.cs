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

    public static string App(string name) => Path.Combine(Root, "tests", "Integration.Tests", "apps", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Runtime.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find Runtime.sln above " + AppContext.BaseDirectory);
    }
}
