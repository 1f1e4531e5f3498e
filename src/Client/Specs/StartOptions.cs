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
    /// <summary>Arguments for the interpreter, before the script (PM2's node_args / interpreter_args): shell-quoted words.</summary>
    public IReadOnlyList<string> NodeArgs { get; init; } = [];
    /// <summary>PM2's exec_mode: "cluster" shares a fixed PORT through the gateway; "fork"; null: as PM2 infers it.</summary>
    public string? ExecMode { get; init; }
    /// <summary>True when the app came from a file that set instances (PM2 then infers cluster mode for node apps).</summary>
    public bool InstancesGiven { get; init; }
    /// <summary>A variable each instance gets as its base value plus its index (PM2's increment_var).</summary>
    public string? IncrementVar { get; init; }
    /// <summary>The variable holding the instance's index, instead of NODE_APP_INSTANCE (PM2's instance_var).</summary>
    public string? InstanceVar { get; init; }
    /// <summary>False: registered but not started (PM2's autostart: false; pbm start NAME starts it).</summary>
    public bool AutoStart { get; init; } = true;
    /// <summary>Variables of the caller's environment left out: "*" for all of them, else name prefixes (PM2's filter_env).</summary>
    public IReadOnlyList<string>? FilterEnv { get; init; }
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
    /// <summary>--health: tcp, http:/path or exec:COMMAND.</summary>
    public string? Health { get; init; }
    public int? HealthIntervalMs { get; init; }
    public int? HealthTimeoutMs { get; init; }
    public int? HealthFailures { get; init; }
    /// <summary>--memory-limit: a size (300M).</summary>
    public string? MemoryLimit { get; init; }
    /// <summary>--cpu-limit: cores (0.5), or a percentage of one core (50%).</summary>
    public string? CpuLimit { get; init; }
    public int? PidsLimit { get; init; }
    public string? User { get; init; }
    public string? Group { get; init; }
    public IReadOnlyList<string>? After { get; init; }
    public bool RestartWith { get; init; }
    public string? PidFile { get; init; }
    /// <summary>PM2's out_file (-o): stdout's file, relative to the app's cwd; NULL or /dev/null: none.</summary>
    public string? OutFile { get; init; }
    /// <summary>PM2's error_file (-e).</summary>
    public string? ErrFile { get; init; }
    /// <summary>PM2's log_file (-l): both streams also to this file; "true": PBM_HOME/logs/NAME.log.</summary>
    public string? CombinedFile { get; init; }
    /// <summary>PM2's merge_logs: instances share their files (no -ID in the names); null: as PM2, true for one fork-mode instance.</summary>
    public bool? MergeLogs { get; init; }
    /// <summary>PM2's log_date_format (dayjs tokens).</summary>
    public string? LogDateFormat { get; init; }
    /// <summary>Null: no watch; empty: watch the app's cwd; else these paths (relative to the cwd).</summary>
    public IReadOnlyList<string>? Watch { get; init; }
    public IReadOnlyList<string> IgnoreWatch { get; init; } = [];
    public int? WatchDelayMs { get; init; }
    public string? CronRestart { get; init; }
    /// <summary>The app file this app comes from (absolute), if any.</summary>
    public string? Source { get; init; }
    /// <summary>The env_NAME chosen with --env NAME, if any.</summary>
    public string? EnvName { get; init; }
    /// <summary>Where the resolver says what it did not take (node_args of a program run without interpreter...); null: nowhere.</summary>
    public List<string>? Warnings { get; init; }
    /// <summary>The caller's working directory; relative paths resolve against it.</summary>
    public required string CallerCwd { get; init; }
    /// <summary>The caller's environment, which instances inherit (as PM2 does).</summary>
    public required IReadOnlyDictionary<string, string> CallerEnv { get; init; }
}
