using System.Diagnostics;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Observability;

/// <summary>pbm monit driven in a real terminal (tmux): what it draws, its keys, and the screen it leaves.</summary>
public sealed class MonitTests
{
    [Fact]
    public async Task Monit_RendersEveryInstanceFollowsTheSelectionAndQuitsCleanly()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("ticker.js"), "-i", "2");
        await box.OkAsync("start", Repo.App("idle.js"));
        var socket = "pbm-test-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await Tmux(socket, "new-session", "-d", "-x", "120", "-y", "32",
                $"env PBM_HOME={box.Home} {Repo.Pbm} monit; echo MONIT-EXIT=$?; sleep 60");
            var screen = await Sandbox.EventuallyAsync(() => Capture(socket),
                s => s.Contains("idle:0") && s.Contains("ticker:1") && s.Contains("online") && s.Contains("logs of idle"),
                "monit to draw the instances");
            Assert.Contains("pbm monit", screen);
            Assert.Contains("CPU", screen);
            Assert.Contains("MEM", screen);
            Assert.Matches(@"\d+\.\d%", screen);

            // idle is first (sorted by app); down selects ticker:0 and its log lines show.
            await Tmux(socket, "send-keys", "Down");
            screen = await Sandbox.EventuallyAsync(() => Capture(socket), s => s.Contains("logs of ticker") && s.Contains("tick "),
                "the ticker's logs after moving down");

            await Tmux(socket, "send-keys", "q");
            screen = await Sandbox.EventuallyAsync(() => Capture(socket), s => s.Contains("MONIT-EXIT=0"), "monit to quit");
            Assert.DoesNotContain("ticker:1", screen);
            Assert.DoesNotContain("pbm monit", screen);
        }
        finally
        {
            await Tmux(socket, "kill-server");
        }
    }

    private static async Task<string> Capture(string socket) => await Tmux(socket, "capture-pane", "-p");

    private static async Task<string> Tmux(string socket, params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output;
    }
}
