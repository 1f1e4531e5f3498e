using Pbm.Client.Contracts;
using Pbm.Runtime.Master;
using Pbm.Runtime.Metrics;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Tests.Master;

/// <summary>
/// The autoscaler's arithmetic, driven with gateway counters and instance samples as hosts report them: in flight
/// by Little's law summed over gateways, up at once, down only after a cool-down in which no higher count was asked
/// for, bounds kept, counters that go back (a restarted gateway) taken as a new baseline.
/// </summary>
public sealed class AutoscalerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private static AppSpec Spec(int instances, AutoscaleSpec policy) => new()
    {
        Name = "web", Script = "/srv/web.js", Command = "node", Cwd = "/srv", Instances = instances, Autoscale = policy,
    };

    private static readonly AutoscaleSpec ByConcurrency = new() { Min = 1, Max = 8, TargetConcurrency = 10, CooldownMs = 30_000 };

    /// <summary>A host whose gateway has served <paramref name="busySeconds"/> of request time by <paramref name="atMs"/>, with <paramref name="online"/> instances at <paramref name="cpu"/>%.</summary>
    private static HostInstances Host(string node, long atMs, double busySeconds, long requests, int online = 1, double cpu = 10, double latency = 0.02)
    {
        var buckets = GatewayStats.Buckets.Select(b => latency <= b ? requests : 0L).ToList();
        return new HostInstances(node, Enumerable.Range(0, online).Select(i => new InstanceInfo
        {
            Id = $"web:{i}", App = "web", Index = i, Host = node, Status = InstanceStatus.Online, Cpu = cpu,
        }).ToList()) { Load = [new GatewayLoad("web", atMs, requests, busySeconds, buckets)] };
    }

    [Fact]
    public void InFlight_IsBusyTimeOverElapsedTime_SummedOverGateways_AndScalesOutAtOnce()
    {
        var a = new Autoscaler();
        var apps = new[] { (Spec(2, ByConcurrency), ByConcurrency) };
        Assert.Empty(a.Observe([Host("n1", 0, 0, 0), Host("n2", 100, 0, 0)], apps, T0, Interval)); // baselines
        // Over 5 s: n1 was busy 100 request-seconds (20 in flight), n2 125 (25): 45 in flight / 10 = 5 instances.
        var d = Assert.Single(a.Observe([Host("n1", 5000, 100, 1000), Host("n2", 5100, 125, 1000)], apps, T0.AddSeconds(5), Interval));
        Assert.Equal((2, 5), (d.From, d.To));
        Assert.Equal(45, a.Info("web")!.Concurrency!.Value, 3);
        Assert.Contains("45 requests in flight / target 10 per instance: 2 -> 5", d.Reason);
    }

    [Fact]
    public void ScaleIn_WaitsForACooldownWithoutAHigherAsk_ThenGoesToTheHighestAsk()
    {
        var a = new Autoscaler();
        var apps = new[] { (Spec(6, ByConcurrency), ByConcurrency) };
        var t = T0;
        double busy = 0;
        long ms = 0;
        a.Observe([Host("n1", ms, busy, 0)], apps, t, Interval);
        // 30 in flight (asks 3), then 15 (asks 2): nothing until the window holds a whole cool-down, then 3 (the highest ask in it).
        var asks = new[] { 30.0, 15, 15, 15, 15, 15, 15, 15, 15 };
        var decisions = new List<(int Second, Autoscaler.Decision D)>();
        for (var i = 0; i < asks.Length; i++)
        {
            t = t.AddSeconds(5); ms += 5000; busy += asks[i] * 5;
            foreach (var d in a.Observe([Host("n1", ms, busy, 100 * (i + 1))], apps, t, Interval)) decisions.Add(((int)(t - T0).TotalSeconds, d));
        }
        var first = decisions.First();
        Assert.Equal(35, first.Second); // the first ask at 5 s, a full cool-down of asks by 35 s
        Assert.Equal((6, 3), (first.D.From, first.D.To));
        Assert.Contains("every count asked for in the last 30 s was at most 3", first.D.Reason);
    }

    [Fact]
    public void ABurstWithinTheCooldown_KeepsTheInstances()
    {
        var a = new Autoscaler();
        var apps = new[] { (Spec(4, ByConcurrency), ByConcurrency) };
        var t = T0;
        double busy = 0;
        long ms = 0;
        a.Observe([Host("n1", ms, busy, 0)], apps, t, Interval);
        // Quiet, a 40-in-flight burst at 25 s, quiet again: no scale-in until 30 s after the burst.
        for (var s = 5; s <= 50; s += 5)
        {
            t = T0.AddSeconds(s); ms = s * 1000; busy += (s == 25 ? 40 : 1) * 5;
            Assert.Empty(a.Observe([Host("n1", ms, busy, s)], apps, t, Interval));
        }
        t = T0.AddSeconds(60); busy += 5 * 2; // 2 in flight over the next 10 s
        var d = Assert.Single(a.Observe([Host("n1", 60_000, busy, 60)], apps, t, Interval));
        Assert.Equal((4, 1), (d.From, d.To));
    }

    [Fact]
    public void Bounds_AreKept_AndAppliedDecisionsHoldTheNextScaleOutForTwoIntervals()
    {
        var policy = ByConcurrency with { Min = 2, Max = 3 };
        var a = new Autoscaler();
        var apps = new[] { (Spec(2, policy), policy) };
        a.Observe([Host("n1", 0, 0, 0)], apps, T0, Interval);
        var d = Assert.Single(a.Observe([Host("n1", 5000, 500, 10)], apps, T0.AddSeconds(5), Interval)); // 100 in flight
        Assert.Equal(3, d.To);
        a.Applied(d, T0.AddSeconds(5));
        var after = new[] { (Spec(3, policy), policy) };
        Assert.Empty(a.Observe([Host("n1", 10_000, 1000, 20)], after, T0.AddSeconds(10), Interval)); // at the bound
        Assert.Equal(1, a.Info("web")!.ScaleOuts);
        Assert.Equal((2, 3), (a.Info("web")!.Decisions[0].From, a.Info("web")!.Decisions[0].To));
    }

    [Fact]
    public void CpuAndLatencyTargets_AskForTheirOwnCounts_TheLargestWins()
    {
        var policy = new AutoscaleSpec { Min = 1, Max = 10, TargetCpu = 50, TargetLatencyMs = 100 };
        var a = new Autoscaler();
        var apps = new[] { (Spec(2, policy), policy) };
        a.Observe([Host("n1", 0, 0, 0, online: 2, cpu: 90)], apps, T0, Interval);
        // cpu 90% x 2 / 50% = 3.6 -> 4; p90 in the 0.25 s bucket > 100 ms -> 3: cpu wins.
        var d = Assert.Single(a.Observe([Host("n1", 5000, 1, 100, online: 2, cpu: 90, latency: 0.2)], apps, T0.AddSeconds(5), Interval));
        Assert.Equal(4, d.To);
        Assert.Contains("cpu 90% per instance x 2 / target 50%", d.Reason);
        Assert.Contains("> target 100 ms", d.Reason);
    }

    [Fact]
    public void AGatewayWhoseCountersWentBack_IsABaselineAgain_NotANegativeLoad()
    {
        var a = new Autoscaler();
        var apps = new[] { (Spec(3, ByConcurrency), ByConcurrency) };
        a.Observe([Host("n1", 0, 0, 0)], apps, T0, Interval);
        a.Observe([Host("n1", 5000, 100, 500)], apps, T0.AddSeconds(5), Interval);
        Assert.Empty(a.Observe([Host("n1", 1000, 1, 3)], apps, T0.AddSeconds(10), Interval)); // restarted daemon
        Assert.Null(a.Info("web")!.Concurrency);
    }

    [Theory]
    [InlineData(0.5, 0.0051)] // half of 100 requests under 5 ms, all under 10 ms: the median at the 5 ms bound
    [InlineData(0.9, 0.0091)] // the 90th: 5 ms + (90 - 50) / 50 x 5 ms = 9 ms, within the second bucket
    public void Percentile_InterpolatesWithinABucket(double q, double atMost)
    {
        long[] cumulative = [50, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100];
        var p = Autoscaler.Percentile(cumulative, 100, q);
        Assert.InRange(p, 0.0049, atMost);
    }
}
