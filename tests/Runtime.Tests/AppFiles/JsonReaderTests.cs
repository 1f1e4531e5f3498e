using System.Text;
using Pbm.Client;
using Pbm.Client.AppFiles;

namespace Pbm.Runtime.Tests.AppFiles;

public sealed class JsonReaderTests
{
    [Fact]
    public void ValueOnTheLineAfterItsKey_TopLevelArray_CommentsAndTrailingCommas_AreRead()
    {
        var root = JsonReader.Parse(Encoding.UTF8.GetBytes("""
            [
              {
                "name": "api",
                // a comment, as PM2 accepts in .json
                "env":
                {
                  "PORT": 3000,
                  "DEBUG": true,
                },
                "args": ["--a", "b c"],
              }
            ]
            """), "processes.json");
        var app = Assert.Single(root.Items);
        Assert.Equal(2, app.Line);
        Assert.Equal("api", app.Get("name")!.Text);
        var env = app.Get("env")!;
        Assert.Equal(6, env.Line);
        Assert.Equal("3000", env.Get("PORT")!.Text);
        Assert.Equal(ConfKind.Boolean, env.Get("DEBUG")!.Kind);
        Assert.Equal(["--a", "b c"], app.Get("args")!.Items.Select(i => i.Text));
    }

    [Fact]
    public void RepeatedKey_TakesTheLastValue_AsJavaScriptDoes()
    {
        var root = JsonReader.Parse("""{ "env": { "A": 1 }, "env": { "B": 2 } }"""u8.ToArray(), "x.json");
        var env = root.Get("env")!;
        Assert.Null(env.Get("A"));
        Assert.Equal("2", env.Get("B")!.Text);
    }

    [Theory]
    [InlineData("{\n  \"apps\": [\n    { \"name\": \"a\" \"script\": \"b\" }\n  ]\n}", 3)]
    [InlineData("{\n  \"apps\": [\n", 3)]
    [InlineData("", 1)]
    [InlineData("{}\n{}", 2)]
    public void Malformed_NamesTheLine(string text, int line)
    {
        var e = Assert.Throws<PbmException>(() => JsonReader.Parse(Encoding.UTF8.GetBytes(text), "/x/apps.json"));
        Assert.StartsWith($"/x/apps.json:{line}: ", e.Message);
    }
}
