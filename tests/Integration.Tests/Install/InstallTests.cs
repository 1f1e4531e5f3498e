using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Install;

/// <summary>
/// `./pbm install --prefix DIR`, as the README says: the native binaries land in DIR/bin, the installed pbm (also
/// through a symlink) starts the installed daemon, and `pbm uninstall` removes exactly what install wrote.
/// </summary>
public sealed class InstallTests
{
    private static readonly string[] Installed = ["pbm", "pbm-daemon", "pbm-lighthouse"];

    [Fact]
    public async Task ScriptInstall_InstalledPbmRunsTheInstalledDaemon_UninstallRemovesWhatItWrote()
    {
        await using var box = new Sandbox();
        // A space in the prefix: the lighthouse launcher and every message must cope with it.
        var prefix = Path.Combine(box.Work, "pre fix");
        var bin = Path.Combine(prefix, "bin");
        var pbm = Path.Combine(bin, "pbm");

        var install = await box.RunScriptAsync("install", "--prefix", prefix);
        Assert.True(install.ExitCode == 0, install.ToString());
        foreach (var name in Installed)
        {
            Assert.Contains($"installed {Path.Combine(bin, name)}", install.Stdout);
            Assert.True(File.Exists(Path.Combine(bin, name)), name);
        }
        Assert.Contains($"{bin} is not on PATH", install.Stdout);
        Assert.True(File.Exists(Path.Combine(prefix, "share", "pbm", "installed.sha256")));
        Assert.Equal((await box.OkAsync("--version")).Trim(), (await box.RunProgramAsync(pbm, "--version")).Stdout.Trim());

        // Reached through a symlink (as from ~/bin), pbm still starts the daemon beside the real file.
        var link = Path.Combine(box.Work, "links", "pbm");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, pbm);
        var start = await box.RunProgramAsync(link, "start", Repo.App("idle.js"), "--name", "idle");
        Assert.True(start.ExitCode == 0, start.ToString());
        var daemonPid = Sandbox.DaemonPid(box.Home);
        Assert.Equal(Path.Combine(bin, "pbm-daemon"), new FileInfo($"/proc/{daemonPid}/exe").LinkTarget);
        await Sandbox.EventuallyAsync(() => box.RunProgramAsync(pbm, "list", "--json"), r => r.Stdout.Contains("\"status\": \"online\""),
            "idle online, listed by the installed pbm");

        // The lighthouse launcher runs the installed daemon, which knows --lighthouse.
        var lighthouse = await box.RunProgramAsync(Path.Combine(bin, "pbm-lighthouse"), "--no-such-option");
        Assert.Equal(2, lighthouse.ExitCode);
        Assert.Contains("pbm-daemon: unknown argument '--no-such-option'", lighthouse.Stderr);

        // Not while the installed daemon runs (pbm kill would be gone with it).
        var busy = await box.RunProgramAsync(pbm, "uninstall", "--prefix", prefix);
        Assert.Equal(1, busy.ExitCode);
        Assert.Contains($"pid {daemonPid} still runs", busy.Stderr);
        Assert.True((await box.RunProgramAsync(pbm, "kill")).ExitCode == 0);

        // A file changed since install is not pbm's to remove: nothing is removed.
        var launcher = Path.Combine(bin, "pbm-lighthouse");
        var original = await File.ReadAllBytesAsync(launcher);
        await File.AppendAllTextAsync(launcher, "# edited\n");
        var changed = await box.RunProgramAsync(pbm, "uninstall", "--prefix", prefix);
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("changed since pbm install wrote it", changed.Stderr);
        Assert.All(Installed, name => Assert.True(File.Exists(Path.Combine(bin, name)), name));
        await File.WriteAllBytesAsync(launcher, original);

        var uninstall = await box.RunProgramAsync(pbm, "uninstall", "--prefix", prefix, "--json");
        Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
        foreach (var name in Installed)
        {
            Assert.Contains(Path.Combine(bin, name), uninstall.Stdout);
            Assert.False(File.Exists(Path.Combine(bin, name)), name);
        }
        Assert.False(Directory.Exists(Path.Combine(prefix, "share", "pbm")));
        Assert.Empty(Directory.GetFiles(bin));

        var again = await box.RunAsync("uninstall", "--prefix", prefix);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"pbm is not installed in {prefix}", again.Stderr);
    }

    [Fact]
    public async Task Install_OverAFileItDidNotWrite_Refuses()
    {
        await using var box = new Sandbox();
        var bin = Path.Combine(box.Work, "bin");
        Directory.CreateDirectory(bin);
        await File.WriteAllTextAsync(Path.Combine(bin, "pbm-daemon"), "someone else's\n");

        var r = await box.RunAsync("install", "--prefix", box.Work);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{Path.Combine(bin, "pbm-daemon")} exists and pbm install did not write it", r.Stderr);
        Assert.Equal(["pbm-daemon"], Directory.GetFiles(bin).Select(Path.GetFileName));

        var usage = await box.RunAsync("install", "somewhere");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("unexpected argument 'somewhere' for pbm install: it installs pbm itself, into --prefix DIR", usage.Stderr);
    }
}
