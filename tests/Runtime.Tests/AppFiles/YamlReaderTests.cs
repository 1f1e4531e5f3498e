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

    [Fact]
    public void FullYaml_BlockScalarsAnchorsAndMergeKeys_AreRead()
    {
        var root = YamlReader.Parse("""
            defaults: &defaults
              instances: 2
              env: { NODE_ENV: production }
            apps:
              - <<: *defaults
                name: api
                script: api.js
                args: >-
                  --port 80
                  --verbose
              - <<: *defaults
                name: worker
                instances: 1
                script: worker.js
                yes_is_a_string: yes
                hex: 0x1F
            """, "eco.yml");
        var apps = root.Get("apps")!.Items;
        Assert.Equal("2", apps[0].Get("instances")!.Text);
        Assert.Equal("production", apps[0].Get("env")!.Get("NODE_ENV")!.Text);
        Assert.Equal("--port 80 --verbose", apps[0].Get("args")!.Text);
        Assert.Equal("1", apps[1].Get("instances")!.Text);
        // YAML 1.2 core schema, as js-yaml (PM2) reads it: yes is a string, 0x1F a number.
        Assert.Equal(ConfKind.String, apps[1].Get("yes_is_a_string")!.Kind);
        Assert.Equal("31", apps[1].Get("hex")!.Text);
    }

    [Theory]
    [InlineData("apps:\n  - name: a\n     script: b\n", 3)]
    [InlineData("a: 1\njust text\n", 2)]
    [InlineData("apps:\n  - name: a\n---\napps: []\n", 4)]
    public void Malformed_FailsWithFileLineAndProblem(string text, int line)
    {
        var e = Assert.Throws<PbmException>(() => YamlReader.Parse(text, "/x/eco.yml"));
        Assert.StartsWith($"/x/eco.yml:{line}: ", e.Message);
        Assert.True(e.Message.Length > $"/x/eco.yml:{line}: ".Length + 10, e.Message);
    }
}
