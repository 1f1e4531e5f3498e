using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Gateway;

/// <summary>
/// --ready message / --wait-ready (PM2's wait_ready): a Node app gets an IPC channel and counts as ready, and
/// joins the gateway, only once it called process.send('ready').
/// </summary>
public sealed class ReadyMessageTests
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task WaitReady_InstancesJoinOnlyAfterProcessSendReady_AndOthersGetNoChannel()
    {
        await using var box = new Sandbox();
        var port = Ports.Free();
        var watch = Stopwatch.StartNew();
        await box.OkAsync("start", Repo.App("web.js"), "--name", "web", "-i", "2", "--port", port.ToString(),
            "--wait-ready", "--env", "READY_AFTER_MS=2500");
        // The port accepted within milliseconds; start returned only once both instances had sent 'ready'.
        Assert.True(watch.ElapsedMilliseconds >= 2400, $"start returned after {watch.ElapsedMilliseconds} ms, before the ready message");
        var instances = await box.InstancesAsync("web");
        Assert.All(instances, i => Assert.Equal(InstanceStatus.Online, i.Status));
        Assert.Equal("wait-ready", (await box.ShowAsync("web")).Spec.Ready);
        var pids = new HashSet<int>();
        for (var i = 0; i < 4; i++)
            pids.Add(System.Text.Json.JsonDocument.Parse(await Http.GetStringAsync($"http://127.0.0.1:{port}/")).RootElement.GetProperty("pid").GetInt32());
        Assert.Equal(instances.Select(i => i.Pid!.Value).ToHashSet(), pids);

        // An app without --wait-ready gets no channel (nothing leaks from the spawn of its neighbours).
        await box.OkAsync("start", Repo.App("web.js"), "--name", "plain", "--port", Ports.Free().ToString());
        await Sandbox.EventuallyAsync(() => box.OkAsync("logs", "--nostream", "--lines", "20", "--raw"),
            logs => logs.Split('\n').Count(l => l.Contains("ipc channel: true")) == 2 && logs.Contains("ipc channel: false"),
            "two instances with a channel and one without");
    }

    [Fact]
    public async Task ReadyMessage_AnAppThatNeverSendsReady_FailsItsStartWithTheReason()
    {
        await using var box = new Sandbox();
        var start = await box.RunAsync("start", Repo.App("web.js"), "--name", "mute", "--ready", "message", "--listen-timeout", "1s",
            "--max-restarts", "1", "--env", "READY_AFTER_MS=never");
        // The start says so at once, and fails.
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("mute: 1 of 1 instance exited at start (did not send 'ready' within 1 s", start.Stderr);
        var app = await Sandbox.EventuallyAsync(() => box.ShowAsync("mute"),
            a => a.Instances.Single().Status == InstanceStatus.Errored, "the mute app to be errored");
        Assert.Contains(app.Instances.Single().Events, e => e.Text.Contains("did not send 'ready' within 1 s"));
        // Without a port too: the message is the readiness, there is no port to probe.
        await box.OkAsync("start", Repo.App("web.js"), "--name", "worker", "--ready", "message", "--env", "READY_AFTER_MS=300");
        Assert.Equal(InstanceStatus.Online, (await box.InstancesAsync("worker")).Single().Status);
    }

    [Fact]
    public async Task WaitReady_AnAppThatNeverSendsReady_IsOnlineAfterTheListenTimeout_AsUnderPm2()
    {
        await using var box = new Sandbox();
        var watch = Stopwatch.StartNew();
        await box.OkAsync("start", Repo.App("web.js"), "--name", "silent", "--wait-ready", "--listen-timeout", "1500ms", "--env", "READY_AFTER_MS=never");
        Assert.True(watch.ElapsedMilliseconds >= 1400, $"start returned after {watch.ElapsedMilliseconds} ms, before the listen timeout");
        var instance = (await box.InstancesAsync("silent")).Single();
        Assert.Equal(InstanceStatus.Online, instance.Status);
        Assert.Equal(0, instance.Restarts);
    }

    [Fact]
    public async Task ReadyChecksNeedingAPort_AreRefusedWithoutOne()
    {
        await using var box = new Sandbox();
        var r = await box.RunAsync("start", Repo.App("web.js"), "--ready", "http:/health");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("needs --port", r.Stderr);
        r = await box.RunAsync("start", Repo.App("web.js"), "--port", Ports.Free().ToString(), "--ready", "carrier-pigeon");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("expected tcp, http:/path or message", r.Stderr);
    }
}
