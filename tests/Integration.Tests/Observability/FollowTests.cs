using System.Collections.Concurrent;
using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Observability;

public sealed class FollowTests
{
    [Fact]
    public async Task Follow_SeesLinesPrintedAfterARestart()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("ticker.js"));
        var first = (await box.InstancesAsync("ticker"))[0].Pid!.Value;

        var psi = new ProcessStartInfo(Repo.Pbm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "logs", "ticker", "--follow", "--lines", "0", "--out" }) psi.ArgumentList.Add(a);
        psi.Environment["PBM_HOME"] = box.Home;
        psi.Environment["NO_COLOR"] = "1";
        using var follower = Process.Start(psi)!;
        var seen = new ConcurrentQueue<string>();
        follower.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) seen.Enqueue(e.Data);
        };
        follower.BeginOutputReadLine();
        try
        {
            await Sandbox.EventuallyAsync(() => Task.FromResult(seen.Count(x => x.Contains($"pid {first}"))), n => n > 0, "lines of the first process");
            await box.OkAsync("restart", "ticker");
            var second = (await box.InstancesAsync("ticker"))[0].Pid!.Value;
            Assert.NotEqual(first, second);
            await Sandbox.EventuallyAsync(() => Task.FromResult(seen.Count(x => x.Contains($"pid {second}"))), n => n > 0, "lines of the restarted process");
            Assert.False(follower.HasExited, "pbm logs --follow ended at the restart");
            Assert.All(seen, l => Assert.Matches(@"^ticker:0 +\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} tick \d+ pid \d+$", l));

            // A crash (kill -9) and its automatic restart: still followed.
            Process.GetProcessById(second).Kill();
            var third = (await Sandbox.EventuallyAsync(() => box.InstancesAsync("ticker"),
                l => l[0].Status == InstanceStatus.Online && l[0].Pid != second, "ticker:0 to come back")).Single().Pid!.Value;
            await Sandbox.EventuallyAsync(() => Task.FromResult(seen.Count(x => x.Contains($"pid {third}"))), n => n > 0, "lines after the crash");
        }
        finally
        {
            follower.Kill();
            await follower.WaitForExitAsync();
        }
    }
}
