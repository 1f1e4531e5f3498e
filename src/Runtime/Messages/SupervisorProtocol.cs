using Pbm.Client.Contracts;

namespace Pbm.Runtime.Messages;

/// <summary>
/// Messages a HostAgent (or an app's triggers) sends to an AppSupervisor (local only). Each request is answered
/// with <see cref="HostProtocol.HostDone"/> or <see cref="HostProtocol.HostFailed"/> (a rollout with
/// <see cref="HostProtocol.HostRollout"/>), straight to the requester, so a host agent forwards the master's
/// requests as they are and the answer goes back to the master without passing through it.
/// </summary>
public static class SupervisorProtocol
{
    /// <summary>A request: answered even when handling it fails (with HostFailed).</summary>
    public interface IRequest;

    /// <summary>Run these instance indices of <paramref name="Spec"/> (or keep them stopped), once every instance left "launching".</summary>
    public sealed record Apply(AppSpec Spec, IReadOnlyList<int> Indices, bool Running) : IRequest;

    /// <summary>Stop some instances (all when null), keeping them listed as stopped.</summary>
    public sealed record StopInstances(IReadOnlyList<int>? Indices) : IRequest;

    /// <summary>Start stopped or errored instances (all when null).</summary>
    public sealed record StartInstances(IReadOnlyList<int>? Indices) : IRequest;

    /// <summary>Restart instances (all when null), errored ones included; resets their unstable count.</summary>
    public sealed record RestartInstances(IReadOnlyList<int>? Indices) : IRequest;

    /// <summary>
    /// Restart the instances that run (a watch or cron trigger); with <paramref name="Finished"/> (cron) also those that
    /// ended on their own (exited with autorestart off or a stop exit code, or errored): PM2's cron_restart starts a
    /// periodic job again. Instances stopped by pbm stop stay so.
    /// </summary>
    public sealed record RestartRunning(bool Finished) : IRequest;

    /// <summary>A rolling reload with the supervisor's current spec (a watch or cron trigger of an app with a port).</summary>
    public sealed record ReloadCurrent(int Parallel) : IRequest;

    /// <summary>Stop every instance, then the supervisor itself.</summary>
    public sealed record Shutdown : IRequest
    {
        public static readonly Shutdown Instance = new();
    }

    public sealed record GetInstances
    {
        public static readonly GetInstances Instance = new();
    }

    public sealed record Instances(string App, IReadOnlyList<InstanceInfo> List);

    /// <summary>
    /// Replace every running instance with one of <paramref name="Spec"/>, <paramref name="Parallel"/> at a time:
    /// start the new one, wait until ready and up min-uptime, swap it in, drain and stop the old one (see
    /// Supervision.Rollout). A new instance that fails halts the rollout and the old ones serve on.
    /// </summary>
    public sealed record Reload(AppSpec Spec, int Parallel) : IRequest;

    /// <summary>Zero the restart counters of instances (all when null).</summary>
    public sealed record ResetInstances(IReadOnlyList<int>? Indices) : IRequest;

    /// <summary>Send <paramref name="Signal"/> to the running processes of instances (all when null).</summary>
    public sealed record SignalInstances(IReadOnlyList<int>? Indices, string Signal) : IRequest;

    /// <summary>Take instance <paramref name="Index"/> out of the gateway, keep it running, start a replacement.</summary>
    public sealed record DisconnectInstance(int Index) : IRequest;
}
