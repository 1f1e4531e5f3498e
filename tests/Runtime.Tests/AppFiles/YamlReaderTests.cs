using Pbm.Client;
using Pbm.Client.AppFiles;

namespace Pbm.Runtime.Tests.AppFiles;

public sealed class YamlReaderTests
{
    [Fact]
    public void Pm2EcosystemYaml_IsRead()
    {
        var root = YamlReader.Parse("""
            ---
            # PM2 style
            apps:
              - script   : ./api.js
                name     : 'api-app'
                instances: 4
                exec_mode: cluster
                args: [--port, "80 80"]
                env:
                  NODE_ENV: development
                  QUOTED: "a # not a comment"
                env_production:
                  NODE_ENV: production
              - name: worker
                script: worker.js
                watch:
                - src
                - lib
            """, "eco.yaml");
        var apps = root.Get("apps")!.Items;
        Assert.Equal(2, apps.Count);
        Assert.Equal("./api.js", apps[0].Get("script")!.Text);
        Assert.Equal("api-app", apps[0].Get("name")!.Text);
        Assert.Equal(ConfKind.Number, apps[0].Get("instances")!.Kind);
        Assert.Equal(["--port", "80 80"], apps[0].Get("args")!.Items.Select(i => i.Text));
        Assert.Equal("a # not a comment", apps[0].Get("env")!.Get("QUOTED")!.Text);
        Assert.Equal("production", apps[0].Get("env_production")!.Get("NODE_ENV")!.Text);
        Assert.Equal(["src", "lib"], apps[1].Get("watch")!.Items.Select(i => i.Text));
        Assert.Equal(4, apps[0].Line);
        Assert.Equal(14, apps[1].Line);
    }

    [Theory]
    [InlineData("apps:\n  - name: a\n     script: b\n", 3, "bad indentation")]
    [InlineData("apps:\n  - name: a\n    script: |\n      x\n", 3, "block scalars")]
    [InlineData("a: 1\njust text\n", 2, "expected 'key: value'")]
    [InlineData("a: &x 1\n", 1, "anchors")]
    public void Malformed_FailsWithFileLineAndProblem(string text, int line, string problem)
    {
        var e = Assert.Throws<PbmException>(() => YamlReader.Parse(text, "/x/eco.yml"));
        Assert.StartsWith($"/x/eco.yml:{line}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }
}
