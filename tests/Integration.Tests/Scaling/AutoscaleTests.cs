using System.Diagnostics;
using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pbm.Integration.Tests.Scaling;

/// <summary>
/// pbm scale APP MIN..MAX --target-concurrency N against a real daemon, a real Node app (/slow answers after 300 ms)
/// and real load through the gateway: the instance count follows the requests in flight, up at once, down after
/// the cool-down, draining, with no failed request either way; each decision is in pbm show, the events and /metrics.
/// </summary>
public sealed class AutoscaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task InstancesFollowTheRequestsInFlight_UpAtOnce_DownAfterTheCooldown_NoRequestFails()
    {
        await using var box = new Sandbox();
        File.WriteAllText(Path.Combine(box.Home, "pbm.hocon"), "pbm.autoscale.interval = 500ms\n");
        var port = Ports.Free();
        await box.OkAsync("start", Repo.App("web.js"), "--name", "auto", "-i", "1", "--port", port.ToString());
        var said = await box.OkAsync("scale", "auto", "1..4", "--target-concurrency", "2", "--scale-cooldown", "3s");
        Assert.Contains("autoscaling auto between 1 and 4 (2 in flight per instance; cool-down 3 s); 1 instance now", said);

        // Eight clients, each waiting 300 ms per request: eight in flight whatever the count, so 8 / 2 = 4 instances.
        var clock = Stopwatch.StartNew();
        await using var heavy = new LoadLoop(port, concurrency: 8, path: "/slow");
        var four = await Sandbox.EventuallyAsync(() => box.InstancesAsync("auto"), l => l.Count(i => i.Status == InstanceStatus.Online) == 4,
            "four instances online", TimeSpan.FromSeconds(30));
        var upAfter = clock.Elapsed;
        await Sandbox.EventuallyAsync(() => Task.FromResult(heavy.Pids.Count), n => n == 4, "all four instances to serve");
        await heavy.StopAsync();

        var shown = await box.ShowAsync("auto");
        Assert.Equal(4, shown.Spec.Instances);
        Assert.Equal(new { Min = 1, Max = 4 }, new { shown.Spec.Autoscale!.Min, shown.Spec.Autoscale.Max });
        // One step, or two when the first measure caught the load half-way into its span (1 -> 3 -> 4).
        var ups = shown.Autoscale!.Decisions;
        Assert.InRange(ups.Count, 1, 2);
        Assert.Equal(1, ups[0].From);
        Assert.Equal(4, ups[^1].To);
        Assert.All(ups, d => Assert.True(d.To > d.From, d.Reason));
        Assert.Matches(@"requests in flight / target 2 per instance: \d -> 4", ups[^1].Reason);

        // One client left: one in flight, one instance is enough, but only once the cool-down has passed.
        clock.Restart();
        await using var light = new LoadLoop(port, concurrency: 1, path: "/slow");
        var one = await Sandbox.EventuallyAsync(() => box.InstancesAsync("auto"), l => l.Count == 1 && l[0].Status == InstanceStatus.Online,
            "back to one instance", TimeSpan.FromSeconds(40));
        var downAfter = clock.Elapsed;
        await Task.Delay(500);
        await light.StopAsync();

        output.WriteLine($"1 -> 4 after {upAfter.TotalSeconds:0.0} s of 8 clients; 4 -> 1 after {downAfter.TotalSeconds:0.0} s of 1 client (cool-down 3 s); " +
                         $"{heavy.Ok} + {light.Ok} requests, {heavy.Failures.Count} + {light.Failures.Count} failed");
        Assert.Empty(heavy.Failures);
        Assert.Empty(light.Failures);
        Assert.True(upAfter < TimeSpan.FromSeconds(15), $"scaled out only after {upAfter}");
        Assert.True(downAfter >= TimeSpan.FromSeconds(3), $"scaled in after {downAfter}, inside the 3 s cool-down");

        var show = await box.OkAsync("show", "auto");
        Assert.Contains("autoscaled 1..4", show);
        // Down in one step, or two when a measure still saw the last heavy requests (4 -> 2 -> 1).
        Assert.Matches(@"scaled\s+\S+ \d -> 1: .*every count asked for in the last 3 s was at most 1", show);
        var json = JsonDocument.Parse(await box.OkAsync("show", "auto", "--json")).RootElement.GetProperty("autoscale");
        Assert.Equal(ups.Count, json.GetProperty("scaleOuts").GetInt32());
        Assert.InRange(json.GetProperty("scaleIns").GetInt32(), 1, 3);

        // Turned off by a fixed count, in words.
        Assert.Contains("scaled auto from 1 to 2 (autoscaling off)", await box.OkAsync("scale", "auto", "2"));
        Assert.Null((await box.ShowAsync("auto")).Spec.Autoscale);
        await box.OkAsync("delete", "auto");
    }

    [Fact]
    public async Task BadRangesAndTargets_AreRefusedInWords()
    {
        await using var box = new Sandbox();
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "fixed");
        async Task Refused(string expected, params string[] args)
        {
            var r = await box.RunAsync(["scale", "fixed", .. args]);
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.True(r.Stderr.Contains(expected, StringComparison.Ordinal), $"expected \"{expected}\" in: {r}");
        }
        await Refused("expected MIN..MAX with 1 <= MIN <= MAX <= 1024", "5..2", "--target-concurrency", "2");
        await Refused("expected MIN..MAX with 1 <= MIN <= MAX <= 1024", "0..3", "--target-concurrency", "2");
        await Refused("expected MIN..MAX, two whole numbers", "a..b", "--target-concurrency", "2");
        await Refused("a range needs a target", "1..3");
        await Refused("--target-concurrency needs a range", "3", "--target-concurrency", "2");
        await Refused("--target-cpu x: expected a positive number", "1..3", "--target-cpu", "x");
        await Refused("--target-latency soon: expected a duration", "1..3", "--target-latency", "soon");
        await Refused("autoscale.cooldownMs: 10: expected 1000", "1..3", "--target-cpu", "70%", "--scale-cooldown", "10ms");
        Assert.Contains("between 1 and 3 (cpu 70% per instance; cool-down 30 s)", await box.OkAsync("scale", "fixed", "1..3", "--target-cpu", "70%"));
        await Refused("fixed is autoscaled (1..3)", "+1");
        // A new range keeps the targets.
        Assert.Contains("between 2 and 5 (cpu 70% per instance; cool-down 30 s); 2 instances now", await box.OkAsync("scale", "fixed", "2..5"));
        await box.OkAsync("delete", "fixed");
    }
}
