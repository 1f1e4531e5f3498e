namespace Pbm.Client.Contracts;

/// <summary>A rolling replacement of an app's instances (reload, deploy, rollback).</summary>
/// <param name="Kind">reload | deploy | rollback.</param>
/// <param name="State">running | done | halted.</param>
/// <param name="FromVersion">The version that was serving.</param>
/// <param name="ToVersion">The version being rolled out.</param>
/// <param name="Replaced">Instances replaced so far.</param>
/// <param name="Total">Instances to replace.</param>
/// <param name="Reason">Why it halted.</param>
public sealed record RolloutInfo(string Kind, string State, int FromVersion, int ToVersion, int Replaced, int Total, string? Reason, DateTimeOffset At)
{
    /// <summary>Once done or halted: the line its command answers (the client shows it after following a long rollout).</summary>
    public string? Message { get; init; }
}
