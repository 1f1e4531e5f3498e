namespace Pbm.Client.Contracts;

/// <summary>
/// One event of GET /api/events: an instance changed status, pid or restart count (Kind "instance"), an app
/// appeared or went away ("app"), or the cluster's membership changed ("cluster").
/// </summary>
public sealed record PbmEvent(DateTimeOffset At, string Kind, string Text)
{
    public string? App { get; init; }
    public string? Instance { get; init; }
    public string? Host { get; init; }
    public string? Status { get; init; }
}
