using Pbm.Client.Contracts;
using Pbm.Runtime.Master;

namespace Pbm.Runtime.Tests.Master;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-state-").FullName;

    private static AppRecord App(string name, int n = 1) => new(new AppSpec
    {
        Name = name, Script = "/srv/" + name + ".js", Command = "node", Args = ["/srv/" + name + ".js"], Cwd = "/srv", Instances = n,
        Env = new Dictionary<string, string> { ["A"] = "1" },
    }, true);

    [Fact]
    public void SaveThenLoad_RoundTripsEverySpec()
    {
        var store = new StateStore(Path.Combine(_dir, "apps.json"));
        store.Save(new StateSnapshot(7, [App("web", 4), App("worker") with { Running = false, Placement = new Dictionary<int, string> { [0] = "h1" } }]));
        var snapshot = store.Load(out var warning);
        Assert.Equal(7, snapshot.Revision);
        var loaded = snapshot.Apps;
        Assert.Equal("h1", loaded.Single(a => a.Spec.Name == "worker").Where[0]);
        Assert.Null(warning);
        Assert.Equal(2, loaded.Count);
        Assert.Equal(4, loaded.Single(a => a.Spec.Name == "web").Spec.Instances);
        Assert.False(loaded.Single(a => a.Spec.Name == "worker").Running);
        Assert.Equal("1", loaded[0].Spec.Env["A"]);
    }

    [Fact]
    public void Save_LeavesNoTemporaryFileAndModeIs0600()
    {
        var path = Path.Combine(_dir, "apps.json");
        new StateStore(path).Save(new StateSnapshot(1, [App("web")]));
        Assert.Equal(["apps.json"], Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)!).ToArray());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"format\":1,\"apps\":[{\"spec\":")]
    [InlineData("{\"format\":9,\"apps\":[]}")]
    [InlineData("[1,2,3]")]
    public void CorruptFile_IsMovedAsideAndReported(string content)
    {
        var path = Path.Combine(_dir, "apps.json");
        File.WriteAllText(path, content);
        var loaded = new StateStore(path).Load(out var warning);
        Assert.Empty(loaded.Apps);
        Assert.Contains("is corrupt", warning);
        var aside = Directory.GetFiles(_dir, "apps.json.corrupt-*").Single();
        Assert.Equal(content, File.ReadAllText(aside));
        Assert.False(File.Exists(path));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
