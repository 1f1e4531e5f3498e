namespace Pbm.Client.Contracts;

/// <summary>An app's spec, desired state and instances, as <c>pbm show</c> prints it.</summary>
public sealed record AppInfo
{
    public required AppSpec Spec { get; init; }
    /// <summary>False after <c>pbm stop</c>: the app is kept but nothing runs.</summary>
    public bool Running { get; init; } = true;
    public IReadOnlyList<InstanceInfo> Instances { get; init; } = [];
    /// <summary>The last or current rollout (reload, deploy, rollback), if any.</summary>
    public RolloutInfo? Rollout { get; init; }
    /// <summary>The version a rollback returns to, if any.</summary>
    public int? PreviousVersion { get; init; }
    /// <summary>The load of the hosts that answered.</summary>
    public IReadOnlyList<HostStats> Hosts { get; init; } = [];
    /// <summary>The autoscaler's latest measures and decisions, for an app scaled MIN..MAX.</summary>
    public AutoscaleInfo? Autoscale { get; init; }
}
