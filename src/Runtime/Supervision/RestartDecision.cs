namespace Pbm.Runtime.Supervision;

/// <summary>The outcome of <see cref="RestartPolicy.Decide"/>.</summary>
internal sealed record RestartDecision(RestartDecision.Kind Action, TimeSpan Delay, int Unstable, string? Reason)
{
    public enum Kind { Restart, Stop, Error }

    public static RestartDecision RestartAfter(TimeSpan delay, int unstable) => new(Kind.Restart, delay, unstable, null);
    public static RestartDecision Stop(string reason, int unstable) => new(Kind.Stop, TimeSpan.Zero, unstable, reason);
    public static RestartDecision Error(string reason, int unstable) => new(Kind.Error, TimeSpan.Zero, unstable, reason);
}
