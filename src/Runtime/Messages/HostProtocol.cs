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
    public sealed record RegisterHost(string Node, IActorRef Agent);

    public sealed record HostRegistered(string Node);

    /// <summary>Desired state of one app on the receiving host: which indices run there.</summary>
    public sealed record ApplyApp(AppSpec Spec, IReadOnlyList<int> Indices, bool Running);

    /// <summary>Stop and forget an app on this host.</summary>
    public sealed record RemoveApp(string App);

    /// <summary>An instance operation: stop | start | restart, on some indices (all on this host when null).</summary>
    public sealed record InstanceOp(string App, string Op, IReadOnlyList<int>? Indices);

    /// <summary>Answered with <see cref="HostInstances"/>: every instance this host runs (of one app when set).</summary>
    public sealed record ListInstances(string? App);

    public sealed record HostInstances(string Node, IReadOnlyList<InstanceInfo> Instances, HostStats? Stats = null);

    /// <summary>The acknowledgement of Apply/Remove/InstanceOp.</summary>
    public sealed record HostDone(string Node, string App);
}
