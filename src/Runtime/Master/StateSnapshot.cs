namespace Pbm.Runtime.Master;

/// <summary>Desired state at one revision.</summary>
public sealed record StateSnapshot(long Revision, IReadOnlyList<AppRecord> Apps)
{
    public static readonly StateSnapshot Empty = new(0, []);
}
