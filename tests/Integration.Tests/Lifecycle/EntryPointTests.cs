using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

/// <summary>The README's entry point is the ./pbm script, not the binary: what it prints is what a user sees.</summary>
public sealed class EntryPointTests
{
    [Fact]
    public async Task ScriptWithABadCommandLine_ShowsTheErrorLine_AndExitsNonZero()
    {
        await using var box = new Sandbox();
        var r = await box.RunScriptAsync("start", "no/such/script.js");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("error: script not found: no/such/script.js", r.Stderr.Trim());

        var usage = await box.RunScriptAsync("start", "x.js", "--instancez", "2");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("unknown option '--instancez' for pbm start", usage.Stderr);
    }

    [Fact]
    public async Task ScriptStartingAnAppFile_ShowsItsWarnings()
    {
        await using var box = new Sandbox();
        var file = Path.Combine(box.Work, "ecosystem.config.js");
        await File.WriteAllTextAsync(file,
            $"module.exports = {{ apps: [{{ name: 'idle', script: '{Repo.App("idle.js")}', somethingElse: 1 }}] }};");
        var r = await box.RunScriptAsync("start", file);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("somethingElse", r.Stderr);
        Assert.Contains("warning:", r.Stderr);
        await box.OkAsync("delete", "idle");
    }
}
