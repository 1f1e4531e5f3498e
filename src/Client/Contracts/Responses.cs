namespace Pbm.Client.Contracts;

/// <summary>Every failure of the control API: one line a person can act on.</summary>
public sealed record ApiError(string Error)
{
    /// <summary>
    /// How the error of a request cut short by the daemon's stop begins (HTTP 503, as for a daemon still starting,
    /// but not to be retried: the daemon is going away).
    /// </summary>
    public const string DaemonStopping = "the daemon is stopping";
}

/// <summary>What a command did, and the instances it touched afterwards.</summary>
public sealed record OperationResult(string Message, IReadOnlyList<InstanceInfo> Instances)
{
    /// <summary>
    /// The command was not finished within pbm.api.command-wait and goes on (HTTP 202); <see cref="Message"/> says
    /// where to follow it. A rollout's client follows it itself (see PbmClient.ReloadAsync).
    /// </summary>
    public bool InProgress { get; init; }
}

/// <summary>Answer of GET /api/ping.</summary>
public sealed record PingResult
{
    public required int Pid { get; init; }
    public required string Version { get; init; }
    public required string Node { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Home { get; init; }
    /// <summary>Problems found at start (a corrupt state file kept aside, orphans reaped...).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>The control API's TCP address, where the web console is served: HOST:PORT, or https://HOST:PORT with TLS; null when TCP is off.</summary>
    public string? Api { get; init; }
}

/// <summary>Answer of GET /api/apps.</summary>
public sealed record ListResult(IReadOnlyList<AppInfo> Apps, IReadOnlyList<string> Warnings)
{
    /// <summary>The load of the hosts that answered.</summary>
    public IReadOnlyList<HostStats> Hosts { get; init; } = [];
}

/// <summary>Answer of POST /api/save and /api/resurrect.</summary>
public sealed record DumpResult(string Path, IReadOnlyList<string> Apps)
{
    /// <summary>What resurrect left out of the dump, in words (an app whose spec fails validation...).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
