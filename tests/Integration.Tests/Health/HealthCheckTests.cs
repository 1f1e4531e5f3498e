using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pbm.Integration.Tests.Health;

/// <summary>
/// --health: checks that keep running while an instance is online. A Node app whose event loop is stuck keeps its port
/// open (the kernel accepts connections for it), so readiness alone would serve it forever; the health check takes it
/// out of rotation at its first failure and has it restarted after --health-failures.
/// </summary>
public sealed class HealthCheckTests(ITestOutputHelper output)
{
    private const int IntervalMs = 500;
    private const int TimeoutMs = 300;

    [Fact]
    public async Task HungInstance_LeavesRotationAtItsFirstFailedCheck_IsRestartedAfterN_NoRequestThroughTheGatewayFails()
    {
        await using var box = new Sandbox();
        var port = Ports.Free();
        await box.OkAsync("start", Repo.App("hang.js"), "--name", "hang", "-i", "2", "--port", port.ToString(),
            "--health", "http:/healthz", "--health-interval", $"{IntervalMs}ms", "--health-timeout", $"{TimeoutMs}ms", "--health-failures", "3",
            "--kill-timeout", "1s");
        var victim = (await box.InstancesAsync("hang")).Single(i => i.Index == 0);
        var other = (await box.InstancesAsync("hang")).Single(i => i.Index == 1);

        await using var load = new LoadLoop(port, concurrency: 2);
        await Sandbox.EventuallyAsync(() => Task.FromResult(load.Ok), ok => ok > 20, "the load to get going");

        // Hang instance 0 through its private port (not through the gateway): from now on it answers nothing.
        using var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();
        _ = direct.GetAsync($"http://127.0.0.1:{victim.PrivatePort}/hang").ContinueWith(_ => { }, TaskScheduler.Default);

        var unhealthy = await Sandbox.EventuallyAsync(() => box.InstancesAsync("hang"),
            l => l.Single(i => i.Index == 0).Status == InstanceStatus.Unhealthy, "instance 0 to be unhealthy", TimeSpan.FromSeconds(10));
        var outAfter = clock.ElapsedMilliseconds;
        Assert.Equal(victim.Pid, unhealthy.Single(i => i.Index == 0).Pid);
        Assert.StartsWith("unhealthy: GET /healthz timed out", unhealthy.Single(i => i.Index == 0).Reason);
        Assert.Equal(InstanceStatus.Online, unhealthy.Single(i => i.Index == 1).Status);

        var restarted = await Sandbox.EventuallyAsync(() => box.InstancesAsync("hang"),
            l => l.Single(i => i.Index == 0) is { Status: InstanceStatus.Online } i0 && i0.Pid != victim.Pid, "instance 0 restarted with a new pid", TimeSpan.FromSeconds(20));
        var restartedAfter = clock.ElapsedMilliseconds;
        // Keep the load on the restarted pair for a moment: the new instance serves too.
        var newPid = restarted.Single(i => i.Index == 0).Pid!.Value;
        await Sandbox.EventuallyAsync(() => Task.FromResult(load.Pids.ContainsKey(newPid)), seen => seen, "the new instance to serve requests");
        await load.StopAsync();

        output.WriteLine($"out of rotation {outAfter} ms after the hang (interval {IntervalMs} ms, timeout {TimeoutMs} ms); restarted and online after {restartedAfter} ms; " +
                         $"{load.Ok} requests, {load.Failures.Count} failed");
        Assert.True(outAfter <= IntervalMs + TimeoutMs + 1500, $"out of rotation only {outAfter} ms after the hang");
        Assert.Empty(load.Failures);
        Assert.Equal(other.Pid, restarted.Single(i => i.Index == 1).Pid);
        var r0 = restarted.Single(i => i.Index == 0);
        Assert.Equal(1, r0.Restarts);
        Assert.Contains(r0.Events, e => e.Text.Contains("health check failed (1 of 3 in a row): GET /healthz timed out", StringComparison.Ordinal) && e.Text.Contains("out of rotation", StringComparison.Ordinal));
        Assert.Contains(r0.Events, e => e.Text.StartsWith("unhealthy: GET /healthz timed out after 300 ms, 3 checks in a row", StringComparison.Ordinal));
        var show = await box.OkAsync("show", "hang");
        Assert.Contains("health", show);
        Assert.Contains("unhealthy: GET /healthz timed out after 300 ms, 3 checks in a row", show);
    }

    [Fact]
    public async Task FailingChecks_TakeTheInstanceOut_APassingCheckPutsItBack_WithoutARestart()
    {
        await using var box = new Sandbox();
        var port = Ports.Free();
        var flag = Path.Combine(box.Work, "sick");
        await box.OkAsync("start", Repo.App("hang.js"), "--name", "flaky", "-i", "2", "--port", port.ToString(), "--env", $"UNHEALTHY_IF={flag}",
            "--health", "http:/healthz", "--health-interval", "300ms", "--health-failures", "100");
        var before = await box.InstancesAsync("flaky");

        // Both instances read the same flag: both leave the rotation; the gateway then holds requests (none ready).
        await File.WriteAllTextAsync(flag, "");
        var sick = await Sandbox.EventuallyAsync(() => box.InstancesAsync("flaky"), l => l.All(i => i.Status == InstanceStatus.Unhealthy), "both unhealthy");
        Assert.All(sick, i => Assert.Equal("unhealthy: GET /healthz answered 503", i.Reason));
        var events = await box.RunAsync("list", "--json");
        Assert.Equal(0, events.ExitCode);

        File.Delete(flag);
        var well = await Sandbox.EventuallyAsync(() => box.InstancesAsync("flaky"), l => l.All(i => i.Status == InstanceStatus.Online), "both back online");
        Assert.Equal(before.Select(i => i.Pid), well.Select(i => i.Pid));
        Assert.All(well, i => Assert.Equal(0, i.Restarts));
        Assert.All(well, i => Assert.Null(i.Reason));
        Assert.All(well, i => Assert.Contains(i.Events, e => e.Text == "health check passed; back in rotation"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Assert.Contains("pid", await http.GetStringAsync($"http://127.0.0.1:{port}/"));
    }

    [Fact]
    public async Task ExecCheck_WithoutAPort_RestartsTheInstanceAfterNFailures_WithTheReason()
    {
        await using var box = new Sandbox();
        var flag = Path.Combine(box.Work, "broken");
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "job",
            "--health", $"exec:test ! -e {flag} || {{ echo 'flag is up' >&2; exit 3; }}", "--health-interval", "200ms", "--health-failures", "2");
        var first = (await box.InstancesAsync("job")).Single();
        await File.WriteAllTextAsync(flag, "");
        var errored = await Sandbox.EventuallyAsync(() => box.InstancesAsync("job"), l => l.Single().Restarts >= 1, "job restarted by its exec check", TimeSpan.FromSeconds(15));
        File.Delete(flag);
        var now = await Sandbox.EventuallyAsync(() => box.InstancesAsync("job"), l => l.Single().Status == InstanceStatus.Online, "job online again");
        Assert.NotEqual(first.Pid, now.Single().Pid);
        Assert.Contains(errored.Single().Events.Concat(now.Single().Events),
            e => e.Text.StartsWith($"unhealthy: exec 'test ! -e {flag}", StringComparison.Ordinal) && e.Text.Contains("exited with code 3: flag is up, 2 checks in a row", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "--health", "http:/healthz" }, "--health http:/healthz needs --port")]
    [InlineData(new[] { "--health", "ping" }, "--health 'ping': expected tcp, http:/path or exec:COMMAND")]
    [InlineData(new[] { "--health-interval", "1s" }, "--health-interval, --health-timeout and --health-failures need --health")]
    [InlineData(new[] { "--health", "exec:true", "--health-failures", "0" }, "--health-failures 0: expected 1 to 100")]
    [InlineData(new[] { "--health", "exec:true", "--health-interval", "soon" }, "--health-interval soon: expected a duration")]
    public async Task BadHealthOptions_FailInOneLine_BeforeAnythingStarts(string[] options, string expected)
    {
        await using var box = new Sandbox();
        var result = await box.RunAsync(["start", Repo.App("idle.js"), .. options]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }
}
