namespace Pbm.Runtime.Hosting;

/// <summary>ActorRegistry key of the master singleton's proxy.</summary>
public sealed class MasterKey;
