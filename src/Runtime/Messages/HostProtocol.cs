using Akka.Actor;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Messages;

/// <summary>
/// Messages between the master and host agents. They cross nodes in a cluster: immutable records of
/// contract types only (AppSpec, InstanceInfo), serialized as JSON by the contracts' stable schema.
/// </summary>
public static class HostProtocol
{
    /// <summary>A host agent announces itself to the master (repeated until acknowledged).</summary>
    public sealed record RegisterHost(string Node, IActorRef Agent) : IPbmMessage;

    public sealed record HostRegistered(string Node) : IPbmMessage;

    /// <summary>
    /// To the master: the member at <paramref name="Address"/> was downed because its process is provably gone
    /// (see DeadNodeDowner), so its host's instances may move now rather than once the member is removed.
    /// </summary>
    public sealed record NodeGone(string Address) : IPbmMessage;

    /// <summary>Desired state of one app on the receiving host: which indices run there.</summary>
    public sealed record ApplyApp(AppSpec Spec, IReadOnlyList<int> Indices, bool Running) : IPbmMessage;

    /// <summary>Stop and forget an app on this host.</summary>
    public sealed record RemoveApp(string App) : IPbmMessage;

    /// <summary>An instance operation: stop | start | restart | disconnect | reset | signal (with <paramref name="Signal"/>), on some indices (all on this host when null).</summary>
    public sealed record InstanceOp(string App, string Op, IReadOnlyList<int>? Indices, string? Signal = null) : IPbmMessage;

    /// <summary>Answered with <see cref="HostInstances"/>: every instance this host runs (of one app when set).</summary>
    public sealed record ListInstances(string? App) : IPbmMessage
    {
        /// <summary>Also the gateway's traffic of each app on this host (<see cref="HostInstances.Load"/>), for the autoscaler.</summary>
        public bool WithLoad { get; init; }
    }


    /// <summary>Roll <paramref name="Spec"/> out over this host's instances of the app; answered with <see cref="HostRollout"/>.</summary>
    public sealed record ReloadApp(AppSpec Spec, int Parallel) : IPbmMessage;

    public sealed record HostRollout(string Node, string App, bool Completed, int Replaced, int Total, string? Reason) : IPbmMessage;

    /// <summary>
    /// Everything this host should run, sent by the master when the host (re)registers: the host starts what it
    /// lacks, keeps what matches, and stops apps and instances that are no longer assigned to it.
    /// </summary>
    public sealed record HostAssignments(IReadOnlyList<ApplyApp> Apps) : IPbmMessage;

    /// <summary>A host could not do what was asked (the gateway port is taken...). Replaces Status.Failure across nodes.</summary>
    public sealed record HostFailed(string Node, string App, string Error) : IPbmMessage;

    /// <summary>Answered with <see cref="HostReport"/>.</summary>
    public sealed record GetHostReport : IPbmMessage
    {
        public static readonly GetHostReport Instance = new();
    }

    public sealed record HostReport(HostInfo Info) : IPbmMessage;
    public sealed record HostInstances(string Node, IReadOnlyList<InstanceInfo> Instances, HostStats? Stats = null) : IPbmMessage
    {
        /// <summary>This host's gateway traffic per app since it started (counters only grow), when asked WithLoad.</summary>
        public IReadOnlyList<GatewayLoad>? Load { get; init; }
    }

    /// <summary>
    /// One app's gateway counters on one host at <paramref name="AtMs"/> (that host's monotonic clock): requests
    /// done, the sum of their durations, and per-bucket counts (cumulative, bounds of GatewayStats.Buckets). Two of
    /// them give the requests in flight on average between (sum of durations over elapsed time, Little's law) and
    /// the latency distribution of that span.
    /// </summary>
    public sealed record GatewayLoad(string App, long AtMs, long Count, double SumSeconds, IReadOnlyList<long> Buckets) : IPbmMessage;

    /// <summary>The acknowledgement of Apply/Remove/InstanceOp.</summary>
    public sealed record HostDone(string Node, string App) : IPbmMessage;

    /// <summary>The app a host's answer to a request names: HostDone, HostFailed and HostRollout say which ("*": its assignments).</summary>
    public static string AppOf(object request) => request switch
    {
        ApplyApp a => a.Spec.Name, RemoveApp r => r.App, InstanceOp o => o.App, ReloadApp r => r.Spec.Name, _ => "*",
    };
}
