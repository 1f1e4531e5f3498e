namespace Pbm.Runtime.Hosting;

/// <summary>ActorRegistry key of this node's host agent.</summary>
public sealed class HostAgentKey;
