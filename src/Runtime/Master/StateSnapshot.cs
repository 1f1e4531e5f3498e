namespace Pbm.Runtime.Master;

/// <summary>Desired state at one revision.</summary>
public sealed record StateSnapshot(long Revision, IReadOnlyList<AppRecord> Apps)
{
    public static readonly StateSnapshot Empty = new(0, []);

    /// <summary>
    /// What reading it left out, in words (an app whose spec fails <see cref="Client.Specs.SpecValidator"/>, a
    /// name given twice...); empty for a snapshot this process built.
    /// </summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}
