namespace Pbm.Client.Specs;

/// <summary>What the user asked <c>pbm start</c> for, before resolution into an <see cref="Contracts.AppSpec"/>.</summary>
public sealed record StartOptions
{
    public required string Target { get; init; }
    public string? Name { get; init; }
    public string? Instances { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? Interpreter { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public int? MaxRestarts { get; init; }
    public int? MinUptimeMs { get; init; }
    public int? RestartDelayMs { get; init; }
    public bool NoAutoRestart { get; init; }
    public IReadOnlyList<int> StopExitCodes { get; init; } = [];
    public string? KillSignal { get; init; }
    public int? KillTimeoutMs { get; init; }
    public int? Port { get; init; }
    public string? Ready { get; init; }
    public int? ListenTimeoutMs { get; init; }
    public string? Route { get; init; }
    public string? RouteHost { get; init; }
    public bool Sticky { get; init; }
    public IReadOnlyList<string>? Hosts { get; init; }
    public int? MaxPerHost { get; init; }
    public bool NoTime { get; init; }
    public string? LogFormat { get; init; }
    public string? LogMaxSize { get; init; }
    public int? LogMaxFiles { get; init; }
    public string? MaxMemory { get; init; }
    public string? PidFile { get; init; }
    /// <summary>Null: no watch; empty: watch the app's cwd; else these paths (relative to the cwd).</summary>
    public IReadOnlyList<string>? Watch { get; init; }
    public IReadOnlyList<string> IgnoreWatch { get; init; } = [];
    public int? WatchDelayMs { get; init; }
    public string? CronRestart { get; init; }
    /// <summary>The app file this app comes from (absolute), if any.</summary>
    public string? Source { get; init; }
    /// <summary>The env_NAME chosen with --env NAME, if any.</summary>
    public string? EnvName { get; init; }
    /// <summary>The caller's working directory; relative paths resolve against it.</summary>
    public required string CallerCwd { get; init; }
    /// <summary>The caller's environment, which instances inherit (as PM2 does).</summary>
    public required IReadOnlyDictionary<string, string> CallerEnv { get; init; }
}
