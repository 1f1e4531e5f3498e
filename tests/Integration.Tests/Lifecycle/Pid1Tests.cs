using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

/// <summary>
/// `pbm daemon --foreground` as pid 1, as the entry point of a container without an init: a pid namespace of its
/// own (unshare, as root). The .NET runtime reaps every child of pid 1 itself, so the daemon runs as the child
/// of a pid 1 shim and still reads its apps' exit codes. Needs root; without it the test says so and does nothing.
/// </summary>
public sealed partial class Pid1Tests(ITestOutputHelper output)
{
    [Fact]
    public async Task AsPid1_TheDaemonRunsUnderAShim_ReadsExitCodes_AndSigtermStopsItGracefully()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/unshare"))
        {
            output.WriteLine("SKIPPED: needs root and unshare (util-linux) to make a pid namespace");
            return;
        }
        await using var box = new Sandbox();
        var psi = new ProcessStartInfo("/usr/bin/unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--pid", "--fork", "--mount-proc", "--kill-child", Repo.Pbm, "daemon", "--foreground" }) psi.ArgumentList.Add(a);
        psi.Environment["PBM_HOME"] = box.Home;
        using var unshare = Process.Start(psi)!;
        var stdout = unshare.StandardOutput.ReadToEndAsync();
        var stderr = unshare.StandardError.ReadToEndAsync();
        try
        {
            // Up once it serves its socket (the CLI would start a daemon of its own otherwise).
            await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(Path.Combine(box.Home, "rpc.sock"))), up => up, "the foreground daemon's socket");
            var pong = await box.OkAsync("ping");
            var daemonPid = int.Parse(DaemonPid().Match(pong).Groups[1].Value);
            Assert.NotEqual(1, daemonPid);

            // The start itself says the instance exited at once (and fails).
            var start = await box.RunAsync("start", "sh", "--name", "crash", "--max-restarts", "1", "--", "-c", "echo bye >&2; exit 3");
            Assert.Equal(1, start.ExitCode);
            Assert.Contains("crash: 1 of 1 instance exited at start (bye)", start.Stderr);
            var app = await Sandbox.EventuallyAsync(() => box.ShowAsync("crash"),
                a => a.Instances.Single().Status == InstanceStatus.Errored, "the crashing app to be errored");
            var instance = app.Instances.Single();
            Assert.Equal(3, instance.LastExit!.Code);
            Assert.Equal(2, instance.Events.Count(e => e.Text.Contains("exited with code 3")));

            // docker stop: SIGTERM to pid 1, which hands it to the daemon; it stops its apps and everything exits.
            await box.OkAsync("start", "sleep", "--name", "idle", "--", "600");
            await Sandbox.EventuallyAsync(() => box.InstancesAsync("idle"), l => l.Single().Status == InstanceStatus.Online, "the idle app online");
            var shim = ChildOf(unshare.Id);
            Assert.True(shim > 0, "no pid 1 under unshare");
            using (var kill = Process.Start("kill", ["-TERM", shim.ToString()])) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await unshare.WaitForExitAsync(cts.Token);
            Assert.Equal(0, unshare.ExitCode);
            Assert.Contains("stopped", File.ReadAllText(Path.Combine(box.Home, "pbm.log")));
        }
        finally
        {
            if (!unshare.HasExited) unshare.Kill(true);
            output.WriteLine($"unshare: {await stdout}{await stderr}");
        }
    }

    private static int ChildOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]) == parent) return pid;
            }
            catch (IOException)
            {
            }
        }
        return 0;
    }

    [GeneratedRegex(@"daemon pid (\d+)")]
    private static partial Regex DaemonPid();
}
