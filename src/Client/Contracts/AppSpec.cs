namespace Pbm.Client.Contracts;

/// <summary>
/// A named program spec: what to run, how many, and how to keep it alive.
/// The CLI resolves it (absolute paths, interpreter) before sending it; the daemon stores it as desired state.
/// <para>
/// Properties with a default have a public setter, not init: System.Text.Json's source generator (Native AOT) sets
/// every init-only property, to default(T) when the JSON leaves it out (dotnet/runtime#84484), so an API client that
/// omitted "instances" or "autoStart" got 0 and false. Treat them as init-only; <see cref="Specs.SpecValidator"/>
/// fills in what an explicit null leaves empty.
/// </para>
/// </summary>
public sealed record AppSpec
{
    /// <summary>Unique app name; instance ids are <c>name:N</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The script or executable the user gave (absolute), shown in <c>pbm show</c>.</summary>
    public required string Script { get; init; }

    /// <summary>The program to exec: an interpreter name resolved on PATH at spawn time (never frozen), or the executable itself.</summary>
    public required string Command { get; init; }

    /// <summary>Arguments to <see cref="Command"/>: interpreter args, the script, then the user's args.</summary>
    public IReadOnlyList<string> Args { get; set; } = [];

    /// <summary>The interpreter chosen ("node", "python3", "dotnet", "bash") or null for an executable.</summary>
    public string? Interpreter { get; init; }

    /// <summary>Working directory of every instance (absolute).</summary>
    public required string Cwd { get; init; }

    /// <summary>Environment of every instance: the caller's environment at start, then --env overrides.</summary>
    public IReadOnlyDictionary<string, string> Env { get; set; } = new Dictionary<string, string>();

    /// <summary>Desired number of instances. Default 1.</summary>
    public int Instances { get; set; } = 1;

    /// <summary>How instances are restarted when they exit.</summary>
    public RestartPolicySpec Restart { get; set; } = new();

    /// <summary>Signal sent to the process group to stop it. Default SIGTERM.</summary>
    public string KillSignal { get; set; } = "SIGTERM";

    /// <summary>Time between the stop signal and SIGKILL, in ms. Default 5000.</summary>
    public int KillTimeoutMs { get; set; } = 5000;

    /// <summary>Public port of the host's gateway for this app; each instance then gets a private PORT. Null: no gateway.</summary>
    public int? Port { get; init; }

    /// <summary>Readiness check: "tcp" (the private port accepts), "http:/path" (answers 2xx), "message" (the app sends "ready" on its IPC channel). Null: "tcp" with a port, else none.</summary>
    public string? Ready { get; init; }

    /// <summary>How long (ms) a new instance may take to become ready before its start counts as failed. Default 10000.</summary>
    public int ListenTimeoutMs { get; set; } = 10000;

    /// <summary>Gateway rule: requests whose path starts with this prefix go to this app ("/" or null: everything else).</summary>
    public string? Route { get; init; }

    /// <summary>Gateway rule: only requests for this Host header go to this app. Null: any host.</summary>
    public string? RouteHost { get; init; }

    /// <summary>Keep a client on one instance (cookie pbm-sticky), for socket.io-style apps.</summary>
    public bool Sticky { get; init; }

    /// <summary>Pin instances to these hosts (node names as `pbm hosts` shows them). Null: any host.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }

    /// <summary>At most this many instances of the app on one host. Null: no cap.</summary>
    public int? MaxPerHost { get; init; }
    /// <summary>How stdout and stderr are captured, timestamped and rotated.</summary>
    public LogSpec Logs { get; set; } = new();

    /// <summary>Restart an instance gracefully when its process tree's resident memory passes this many bytes. Null: no limit.</summary>
    public long? MaxMemoryBytes { get; init; }
    /// <summary>A health check that keeps running while the instance is online (--health). Null: none (readiness is checked at start only).</summary>
    public HealthCheckSpec? Health { get; init; }

    /// <summary>Instance count kept between bounds from measured load (pbm scale APP MIN..MAX --target-...). Null: a fixed count.</summary>
    public AutoscaleSpec? Autoscale { get; init; }

    /// <summary>Kernel-enforced memory limit of each instance's cgroup, in bytes (--memory-limit): over it the kernel's OOM killer ends the instance. Null: none.</summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>Kernel-enforced CPU limit of each instance's cgroup, in cores (--cpu-limit 0.5: half a core). Null: none.</summary>
    public double? CpuLimit { get; init; }

    /// <summary>Kernel-enforced limit of processes and threads in each instance's cgroup (--pids-limit). Null: none.</summary>
    public int? PidsLimit { get; init; }

    /// <summary>Run instances as this user (name or uid; --user, PM2's uid), with its HOME; needs a daemon running as root. Null: the daemon's user.</summary>
    public string? User { get; init; }

    /// <summary>Run instances with this group (name or gid; --group, PM2's gid). Null: the user's primary group.</summary>
    public string? Group { get; init; }

    /// <summary>Apps whose instances must be ready before this app starts (--after, systemd's After=). Null: none.</summary>
    public IReadOnlyList<string>? After { get; init; }

    /// <summary>Restart this app whenever one of its <see cref="After"/> apps is restarted (--restart-with, systemd's PartOf=).</summary>
    public bool RestartWith { get; init; }

    /// <summary>Variables given explicitly (--env K=V, an app file's env and env_NAME), laid over the caller's environment; <c>--update-env</c> keeps them and re-reads the rest.</summary>
    public IReadOnlyDictionary<string, string> EnvOverrides { get; set; } = new Dictionary<string, string>();

    /// <summary>The app file (apps.hocon, ecosystem.config.js...) the app was started from (absolute), re-read by <c>--update-env</c>. Null: started from the command line.</summary>
    public string? Source { get; init; }

    /// <summary>The environment chosen with <c>--env NAME</c> (the file's env_NAME), if any.</summary>
    public string? EnvName { get; init; }

    /// <summary>Instance 0's pid is written here while it runs, instance N's to NAME-N.EXT beside it. Null: no pid file.</summary>
    public string? PidFile { get; init; }

    /// <summary>Files and folders watched (absolute); a change restarts the app, or reloads it when it has a port. Null: no watch.</summary>
    public IReadOnlyList<string>? Watch { get; init; }

    /// <summary>Ignored by the watch, on top of node_modules, .git and log folders: names or globs (*.tmp, dist/**).</summary>
    public IReadOnlyList<string> IgnoreWatch { get; set; } = [];

    /// <summary>Quiet time (ms) after the last change before the watch acts. Null: pbm.watch.debounce (500 ms).</summary>
    public int? WatchDelayMs { get; init; }

    /// <summary>Five-field cron expression (local time): the app is restarted (reloaded with a port) at each occurrence.</summary>
    public string? CronRestart { get; init; }

    /// <summary>A variable every instance gets as its value in <see cref="Env"/> (0 when unset) plus its index: PORT 3000 gives 3000, 3001... (PM2's increment_var).</summary>
    public string? IncrementVar { get; init; }

    /// <summary>The variable that carries the instance's index. Null: NODE_APP_INSTANCE (PM2's instance_var; node-config reads NODE_APP_INSTANCE).</summary>
    public string? InstanceVar { get; init; }

    /// <summary>PM2's pm_id of each instance index: numeric ids, unique on the cluster, stable while the instance exists. Set by the master, not by clients.</summary>
    public IReadOnlyDictionary<int, int>? InstanceIds { get; init; }

    /// <summary>False: the app is registered stopped and `pbm start NAME` starts it (PM2's autostart: false). Default true.</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>A version label, bumped on every change of the spec. Starts at 1.</summary>
    public int Version { get; set; } = 1;
}
