using System.Diagnostics;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Ecosystem;

public sealed class CompletionTests
{
    /// <summary>Sources the script in a real bash, sets COMP_WORDS as readline would, and prints COMPREPLY.</summary>
    private static async Task<string[]> CompleteAsync(Sandbox box, string shellSetup, params string[] words)
    {
        var script = $"source <(pbm completion bash)\n{shellSetup}\nCOMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))})\nCOMP_CWORD={words.Length - 1}\n_pbm\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n";
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.Environment["PATH"] = Repo.Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["PBM_HOME"] = box.Home;
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"bash failed: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task BashCompletion_Sourced_CompletesCommandsFlagsAndAppNames()
    {
        await using var box = new Sandbox();
        // No daemon yet: app names complete to nothing, and no daemon is started by completing.
        Assert.Equal(["all"], await CompleteAsync(box, "", "pbm", "restart", ""));
        Assert.False(File.Exists(Path.Combine(box.Home, "daemon.pid")));

        await box.OkAsync("start", Repo.App("idle.js"), "--name", "webby");
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "worker");

        var registered = await CompleteAsync(box, "complete -p pbm", "pbm", "");
        Assert.Contains("complete -F _pbm pbm", registered);
        Assert.Equal(["webby"], await CompleteAsync(box, "", "pbm", "restart", "we"));
        Assert.Empty(await CompleteAsync(box, "", "pbm", "frobnicate", "w"));
        Assert.Equal(["webby", "worker", "all"], await CompleteAsync(box, "", "pbm", "--json", "stop", ""));
        Assert.Equal(["reset", "restart", "resurrect"], await CompleteAsync(box, "", "pbm", "res"));
        Assert.Equal(["--watch", "--watch-delay"], await CompleteAsync(box, "", "pbm", "start", "--wat"));
        Assert.Equal(["--update-env"], await CompleteAsync(box, "", "pbm", "restart", "--upd"));
        Assert.Equal(["bash", "zsh"], await CompleteAsync(box, "", "pbm", "completion", ""));
    }

    [Fact]
    public async Task ZshCompletion_IsPrinted_AndBadShellIsAUsageError()
    {
        await using var box = new Sandbox();
        var zsh = await box.OkAsync("completion", "zsh");
        Assert.StartsWith("#compdef pbm", zsh);
        Assert.Contains("compdef _pbm pbm", zsh);
        Assert.Contains("'start:start an app", zsh);
        var bad = await box.RunAsync("completion", "fish");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("bash or zsh", bad.Stderr);
    }
}
