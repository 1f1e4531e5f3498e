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

    private static string Entry(string name, string extra = "") =>
        $$"""{"spec":{"name":"{{name}}","script":"/bin/sleep","command":"/bin/sleep","cwd":"/tmp"{{extra}}},"running":true}""";

    [Fact]
    public void Parse_FillsTheDefaultsAFileLeftOut()
    {
        var snapshot = StateStore.Parse(System.Text.Encoding.UTF8.GetBytes($$"""{"format":1,"apps":[{{Entry("bare", ",\"restart\":null,\"env\":null")}}]}"""));
        var spec = Assert.Single(snapshot.Apps).Spec;
        Assert.Empty(snapshot.Problems);
        Assert.True(spec.Restart.AutoRestart);
        Assert.NotNull(spec.Env);
        Assert.NotNull(spec.Logs);
        Assert.Equal(1, spec.Instances);
    }

    [Fact]
    public void Parse_LeavesOutAppsThatFailValidation_AndSaysWhy()
    {
        var json = $$"""{"format":1,"apps":[{{Entry("../../x")}},{{Entry("good")}},{{Entry("good")}},{{Entry("nosig", ",\"killSignal\":null")}},null]}""";
        var snapshot = StateStore.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(["good"], snapshot.Apps.Select(a => a.Spec.Name).ToArray());
        Assert.Equal(4, snapshot.Problems.Count);
        Assert.Contains(snapshot.Problems, p => p.Contains("'../../x' left out: name: invalid app name"));
        Assert.Contains(snapshot.Problems, p => p.Contains("'good' is listed twice"));
        Assert.Contains(snapshot.Problems, p => p.Contains("'nosig' left out: killSignal: null"));
        Assert.Contains(snapshot.Problems, p => p.Contains("#5 without a name left out: missing app spec"));
    }

    [Fact]
    public void Parse_AnInvalidPreviousVersion_OnlyLosesTheRollback()
    {
        var json = """{"format":1,"apps":[{"spec":{"name":"web","script":"/x","command":"/x","cwd":"/tmp"},"running":true,"previous":{"name":"web","script":"/x","command":"/x","cwd":"rel"}}]}""";
        var snapshot = StateStore.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Null(Assert.Single(snapshot.Apps).Previous);
        Assert.Contains("previous version of 'web'", Assert.Single(snapshot.Problems));
    }

    [Fact]
    public void Load_WithAppsLeftOut_KeepsTheFileAsItWasAside_AndWarns()
    {
        var path = Path.Combine(_dir, "apps.json");
        var content = $$"""{"format":1,"revision":4,"apps":[{{Entry("../x")}},{{Entry("good")}}]}""";
        File.WriteAllText(path, content);
        var loaded = new StateStore(path).Load(out var warning);
        Assert.Equal(4, loaded.Revision);
        Assert.Equal(["good"], loaded.Apps.Select(a => a.Spec.Name).ToArray());
        Assert.Contains("is corrupt: app #1 '../x' left out", warning);
        Assert.Equal(content, File.ReadAllText(Directory.GetFiles(_dir, "apps.json.corrupt-*").Single()));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Read_ADeviceThatNeverEnds_IsRefused() =>
        Assert.Contains("larger than", Assert.Throws<InvalidDataException>(() => StateStore.Read("/dev/zero")).Message);

    [Fact]
    public void ReplicatedState_IsValidatedToo()
    {
        var json = $$"""{"format":1,"revision":9,"apps":[{{Entry("../x")}},{{Entry("ok", ",\"logs\":null")}}]}""";
        var snapshot = ReplicatedState.FromJson(json)!;
        Assert.Equal(["ok"], snapshot.Apps.Select(a => a.Spec.Name).ToArray());
        Assert.NotNull(snapshot.Apps[0].Spec.Logs);
        Assert.Single(snapshot.Problems);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
