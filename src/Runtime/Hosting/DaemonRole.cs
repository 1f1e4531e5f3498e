namespace Pbm.Runtime.Hosting;

/// <summary>What a pbm node does: a worker hosts instances (and may carry the master); a lighthouse is a seed only.</summary>
public enum DaemonRole
{
    Worker,
    Lighthouse,
}
