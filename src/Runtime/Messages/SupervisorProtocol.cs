using Pbm.Client.Contracts;

namespace Pbm.Runtime.Messages;

/// <summary>Messages a HostAgent sends to an AppSupervisor (local only).</summary>
public static class SupervisorProtocol
{
    /// <summary>Run these instance indices of <paramref name="Spec"/> (or keep them stopped); answered with <see cref="Done"/>.</summary>
    public sealed record Apply(AppSpec Spec, IReadOnlyList<int> Indices, bool Running);

    /// <summary>Stop some instances (all when null), keeping them listed as stopped; answered with <see cref="Done"/>.</summary>
    public sealed record StopInstances(IReadOnlyList<int>? Indices);

    /// <summary>Start stopped or errored instances (all when null); answered with <see cref="Done"/>.</summary>
    public sealed record StartInstances(IReadOnlyList<int>? Indices);

    /// <summary>Restart instances (all when null), errored ones included; resets their unstable count.</summary>
    public sealed record RestartInstances(IReadOnlyList<int>? Indices);

    /// <summary>
    /// Restart the instances that run (a watch or cron trigger); with <paramref name="Finished"/> (cron) also those that
    /// ended on their own (exited with autorestart off or a stop exit code, or errored): PM2's cron_restart starts a
    /// periodic job again. Instances stopped by pbm stop stay so. Answered with <see cref="Done"/>.
    /// </summary>
    public sealed record RestartRunning(bool Finished);

    /// <summary>A rolling reload with the supervisor's current spec (a watch or cron trigger of an app with a port); answered with <see cref="RolloutResult"/>.</summary>
    public sealed record ReloadCurrent(int Parallel);

    /// <summary>Stop every instance, then the supervisor itself; answered with <see cref="Done"/>.</summary>
    public sealed record Shutdown
    {
        public static readonly Shutdown Instance = new();
    }

    public sealed record GetInstances
    {
        public static readonly GetInstances Instance = new();
    }

    public sealed record Instances(string App, IReadOnlyList<InstanceInfo> List);

    public sealed record Done(string App);

    /// <summary>
    /// Replace every running instance with one of <paramref name="Spec"/>, <paramref name="Parallel"/> at a time:
    /// start the new one, wait until ready and up min-uptime, swap it in, drain and stop the old one. Answered
    /// with <see cref="RolloutResult"/>; a new instance that fails halts the rollout and the old ones serve on.
    /// </summary>
    public sealed record Reload(AppSpec Spec, int Parallel);

    public sealed record RolloutResult(string App, bool Completed, int Replaced, int Total, string? Reason);

    /// <summary>Zero the restart counters of instances (all when null); answered with <see cref="Done"/>.</summary>
    public sealed record ResetInstances(IReadOnlyList<int>? Indices);

    /// <summary>Send <paramref name="Signal"/> to the running processes of instances (all when null); answered with <see cref="Done"/>.</summary>
    public sealed record SignalInstances(IReadOnlyList<int>? Indices, string Signal);

    /// <summary>Take instance <paramref name="Index"/> out of the gateway, keep it running, start a replacement.</summary>
    public sealed record DisconnectInstance(int Index);
}
