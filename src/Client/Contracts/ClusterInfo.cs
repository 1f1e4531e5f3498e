namespace Pbm.Client.Contracts;

/// <summary>One member of the cluster as `pbm cluster show` prints it.</summary>
public sealed record ClusterMemberInfo(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, bool IsLeader, bool IsSelf);

/// <summary>The cluster as the answering node sees it.</summary>
public sealed record ClusterInfo(string Self, string? Leader, IReadOnlyList<ClusterMemberInfo> Members);

/// <summary>Body of cluster join/leave/down: an Akka address (akka.tcp://pbm@host:port) or host:port.</summary>
public sealed record ClusterAddressRequest(string Address);

/// <summary>One host agent: where it is, what it runs, and how loaded it is.</summary>
public sealed record HostInfo(string Node, string Address, int Instances, int Online, double Load1, long MemoryTotal, long MemoryAvailable, int Cpus);

/// <summary>The actors of the answering node, as paths.</summary>
public sealed record ActorTree(string Node, IReadOnlyList<string> Paths);
