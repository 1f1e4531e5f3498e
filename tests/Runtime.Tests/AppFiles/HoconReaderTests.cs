using Pbm.Client;
using Pbm.Client.AppFiles;

namespace Pbm.Runtime.Tests.AppFiles;

public sealed class HoconReaderTests
{
    [Fact]
    public void HoconSubset_ObjectsArraysCommentsDottedKeysAndMerges_AreRead()
    {
        var root = HoconReader.Parse("""
            # comment
            apps = [
              {
                name = web   // trailing comment
                "script": "app.js"
                instances = 4
                watch = true
                ready = http:/health
                env { NODE_ENV = production, A = "x y" }
                env.B = 2
                args = [--a, "b c"]
              }
            ]
            """, "apps.hocon");
        var app = root.Get("apps")!.Items.Single();
        Assert.Equal(3, app.Line);
        Assert.Equal("web", app.Get("name")!.Text);
        Assert.Equal("app.js", app.Get("script")!.Text);
        Assert.Equal(ConfKind.Number, app.Get("instances")!.Kind);
        Assert.Equal(ConfKind.Boolean, app.Get("watch")!.Kind);
        Assert.Equal("http:/health", app.Get("ready")!.Text);
        var env = app.Get("env")!;
        Assert.Equal(["NODE_ENV", "A", "B"], env.Fields.Select(f => f.Key));
        Assert.Equal("x y", env.Get("A")!.Text);
        Assert.Equal(["--a", "b c"], app.Get("args")!.Items.Select(i => i.Text));
        Assert.Equal(9, env.Get("A")!.Line);
    }

    [Fact]
    public void Json_IsReadAsHocon()
    {
        var root = HoconReader.Parse("""{ "apps": [ { "name": "a", "script": "a.js", "instances": 2, "env": { "X": "1" } } ] }""", "apps.json");
        Assert.Equal("2", root.Get("apps")!.Items[0].Get("instances")!.Text);
    }

    [Fact]
    public void EnvSubstitution_RequiredAndOptional()
    {
        var root = HoconReader.Parse("a = ${HOME_X}\nb = ${?NOPE}\n", "f", n => n == "HOME_X" ? "/home/x" : null);
        Assert.Equal("/home/x", root.Get("a")!.Text);
        Assert.Null(root.Get("b"));
    }

    [Theory]
    [InlineData("apps = [\n  { name = a\n", 3, "missing '}': the object opened on line 2 is not closed")]
    [InlineData("apps = [\n  { name = a }\n", 3, "missing ']': the array opened on line 1 is not closed")]
    [InlineData("a = {\n b = 1\n", 3, "missing '}'")]
    [InlineData("a = \"open\n", 1, "unterminated string")]
    [InlineData("a = 1\nb\nc = 2", 2, "key 'b' has no value")]
    [InlineData("a = 1\n\nb = [1, 2] x", 3, "unexpected 'x' after the value of 'b'")]
    [InlineData("x = ${MISSING_VAR_XYZ}", 1, "no such environment variable")]
    public void Malformed_FailsWithFileLineAndProblem(string text, int line, string problem)
    {
        var e = Assert.Throws<PbmException>(() => HoconReader.Parse(text, "/x/apps.hocon", _ => null));
        Assert.StartsWith($"/x/apps.hocon:{line}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
