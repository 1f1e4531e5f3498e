using Pbm.Runtime.Supervision;

namespace Pbm.Runtime.Tests.Supervision;

public sealed class RestartPolicyTests
{
    private static RestartPolicy Policy(int maxRestarts = 16, bool auto = true, int[]? stopCodes = null, int delayMs = 0) => new(
        auto, TimeSpan.FromSeconds(1), maxRestarts, TimeSpan.FromMilliseconds(delayMs),
        TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(15), stopCodes ?? []);

    [Fact]
    public void StableRun_RestartsAtOnceAndResetsUnstableCount()
    {
        var d = Policy().Decide(unstableSoFar: 7, exitCode: 1, uptime: TimeSpan.FromSeconds(5), jitter01: 0.5);
        Assert.Equal(RestartDecision.Kind.Restart, d.Action);
        Assert.Equal(TimeSpan.Zero, d.Delay);
        Assert.Equal(0, d.Unstable);
    }

    [Fact]
    public void StableRun_WithRestartDelay_WaitsThatLong()
    {
        var d = Policy(delayMs: 250).Decide(0, 1, TimeSpan.FromSeconds(5), 0.5);
        Assert.Equal(TimeSpan.FromMilliseconds(250), d.Delay);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(4, 1600)]
    [InlineData(7, 12800)]
    [InlineData(8, 15000)]
    [InlineData(12, 15000)]
    public void UnstableRun_BacksOffExponentiallyToTheCap(int unstableSoFar, int expectedMs)
    {
        var d = Policy().Decide(unstableSoFar, 1, TimeSpan.FromMilliseconds(50), jitter01: 0.5);
        Assert.Equal(RestartDecision.Kind.Restart, d.Action);
        Assert.Equal(unstableSoFar + 1, d.Unstable);
        Assert.Equal(expectedMs, d.Delay.TotalMilliseconds, 0.001);
    }

    [Fact]
    public void Jitter_StaysWithinTwentyPercent()
    {
        var low = Policy().Decide(2, 1, TimeSpan.Zero, 0).Delay.TotalMilliseconds;
        var high = Policy().Decide(2, 1, TimeSpan.Zero, 1).Delay.TotalMilliseconds;
        Assert.Equal(320, low, 0.001);
        Assert.Equal(480, high, 0.001);
    }

    [Fact]
    public void MoreThanMaxRestartsUnstableStarts_Errors()
    {
        var policy = Policy(maxRestarts: 3);
        Assert.Equal(RestartDecision.Kind.Restart, policy.Decide(2, 1, TimeSpan.Zero, 0.5).Action);
        var d = policy.Decide(3, 1, TimeSpan.Zero, 0.5);
        Assert.Equal(RestartDecision.Kind.Error, d.Action);
        Assert.Contains("4 unstable starts in a row", d.Reason);
    }

    [Fact]
    public void UnlikePm2_ThePolicyKeepsApplyingAfterLongUptimeBetweenCrashes()
    {
        // A crash loop that sometimes survives min-uptime never reaches errored, and never runs without backoff
        // while unstable: the count depends on the runs, not on the wall clock.
        var policy = Policy(maxRestarts: 2);
        var unstable = 0;
        foreach (var uptimeMs in new[] { 10, 10, 5000, 10, 10 })
        {
            var d = policy.Decide(unstable, 1, TimeSpan.FromMilliseconds(uptimeMs), 0.5);
            Assert.Equal(RestartDecision.Kind.Restart, d.Action);
            unstable = d.Unstable;
        }
        Assert.Equal(RestartDecision.Kind.Error, policy.Decide(unstable, 1, TimeSpan.Zero, 0.5).Action);
    }

    [Fact]
    public void AutorestartOff_Stops()
    {
        var d = Policy(auto: false).Decide(0, 1, TimeSpan.FromSeconds(9), 0.5);
        Assert.Equal(RestartDecision.Kind.Stop, d.Action);
    }

    [Fact]
    public void StopExitCode_Stops()
    {
        var d = Policy(stopCodes: [0, 42]).Decide(0, 42, TimeSpan.FromSeconds(9), 0.5);
        Assert.Equal(RestartDecision.Kind.Stop, d.Action);
        Assert.Contains("42", d.Reason);
        Assert.Equal(RestartDecision.Kind.Restart, Policy(stopCodes: [0, 42]).Decide(0, 1, TimeSpan.FromSeconds(9), 0.5).Action);
    }
}
