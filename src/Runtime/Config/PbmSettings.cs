using Akka.Configuration;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Config;

/// <summary>The pbm section of the HOCON, read once and validated loudly.</summary>
public sealed record PbmSettings
{
    public required string NodeName { get; init; }
    public required string? ApiTcp { get; init; }
    public required TimeSpan AskTimeout { get; init; }
    /// <summary>How long a command waits for the hosts before it is answered "in progress" (pbm.api.command-wait). Default: 20 s.</summary>
    public TimeSpan CommandWait { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>How often a start held by --after asks whether the apps it names are ready (pbm.start-order.poll).</summary>
    public TimeSpan StartOrderPoll { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>How long a start held by --after waits for the apps it names to be ready before it fails (pbm.start-order.timeout).</summary>
    public TimeSpan StartOrderTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a read (pbm list, show, hosts) waits for a host: ask-timeout, at most 5 s, because a list must answer
    /// while a host is dying; a host that says nothing by then is shown as unknown.
    /// </summary>
    public TimeSpan ListWait => AskTimeout < TimeSpan.FromSeconds(5) ? AskTimeout : TimeSpan.FromSeconds(5);
    public required TimeSpan MinUptime { get; init; }
    public required int MaxRestarts { get; init; }
    public required TimeSpan BackoffMin { get; init; }
    public required TimeSpan BackoffMax { get; init; }
    public required TimeSpan RestartDelay { get; init; }
    public required string KillSignal { get; init; }
    public required TimeSpan KillTimeout { get; init; }
    public required string MasterRole { get; init; }
    public required TimeSpan HostGrace { get; init; }
    public required long LogMaxBytes { get; init; }
    public required int LogMaxFiles { get; init; }
    public required int LogQueueSize { get; init; }
    public required TimeSpan LogFullWait { get; init; }
    public required TimeSpan LogRetryOpen { get; init; }
    public required int FollowBuffer { get; init; }
    public required int EventsKept { get; init; }
    public required TimeSpan MetricsInterval { get; init; }
    /// <summary>pbm.autoscale.interval: how often the master measures autoscaled apps (scale APP MIN..MAX).</summary>
    public TimeSpan AutoscaleInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>GET /metrics without the token on TCP (pbm.api.metrics-public).</summary>
    public bool MetricsPublic { get; init; }
    /// <summary>Quiet time after the last change before a watched app acts (pbm.watch.debounce).</summary>
    public TimeSpan WatchDebounce { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Names and globs every watch ignores (pbm.watch.ignore).</summary>
    public IReadOnlyList<string> WatchIgnore { get; init; } = ["node_modules", ".git", "logs", "log", "*.log"];

    /// <summary>How long listing palettes waits for each node's directory (pbm.palettes.gather-timeout).</summary>
    public TimeSpan PaletteGatherTimeout { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>How long a palette command's handler has to answer (pbm.palettes.command-timeout).</summary>
    public TimeSpan PaletteCommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the daemon gives back its start-up-only file pages (pbm.memory.page-out-after-start; null: never).
    /// See <see cref="Hosting.StartupPages"/>.
    /// </summary>
    public TimeSpan? PageOutAfterStart { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How often the daemon checks whether the GC holds far more memory than the live heap and, if so, gives it
    /// back (pbm.memory.trim-heap-every; null: only once, after start). See <see cref="Hosting.HeapTrim"/>.
    /// </summary>
    public TimeSpan? HeapTrimInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether instances get a cgroup v2 each where the daemon may create one (pbm.processes.cgroups: auto = true,
    /// off = false, always walking /proc instead). Default: true. See <see cref="Processes.TreeTracking"/>.
    /// </summary>
    public bool UseCgroups { get; init; } = true;

    /// <summary>How long a stop waits for every process of an instance's tree to be gone after SIGKILL (pbm.processes.kill-wait). Default: 3 s.</summary>
    public TimeSpan TreeKillWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often GET /api/events compares the master's list for changes (pbm.api.events-interval).</summary>
    public TimeSpan EventsInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest request body the control API reads, in bytes (pbm.api.max-body-size). Default: 1 MB.</summary>
    public long ApiMaxBodyBytes { get; init; } = 1 << 20;

    /// <summary>The embedded reference.conf: every default.</summary>
    public static Akka.Configuration.Config Reference { get; } = LoadReference();

    public static PbmSettings From(Akka.Configuration.Config config)
    {
        var c = config.GetConfig("pbm") ?? throw new ConfigurationException("missing pbm section");
        var settings = new PbmSettings
        {
            NodeName = c.GetString("node-name", "") is { Length: > 0 } n ? n : Environment.MachineName,
            ApiTcp = c.GetString("api.tcp", "") is { Length: > 0 } t ? t : null,
            AskTimeout = c.GetTimeSpan("api.ask-timeout"),
            CommandWait = c.GetTimeSpan("api.command-wait", TimeSpan.FromSeconds(20)),
            StartOrderPoll = c.GetTimeSpan("start-order.poll", TimeSpan.FromMilliseconds(250)),
            StartOrderTimeout = c.GetTimeSpan("start-order.timeout", TimeSpan.FromSeconds(60)),
            MinUptime = c.GetTimeSpan("restart.min-uptime"),
            MaxRestarts = c.GetInt("restart.max-restarts"),
            BackoffMin = c.GetTimeSpan("restart.backoff-min"),
            BackoffMax = c.GetTimeSpan("restart.backoff-max"),
            RestartDelay = c.GetTimeSpan("restart.restart-delay"),
            KillSignal = Client.Specs.Signals.Normalize(c.GetString("stop.kill-signal")) ??
                         throw new ConfigurationException($"pbm.stop.kill-signal: unknown signal '{c.GetString("stop.kill-signal")}'"),
            KillTimeout = c.GetTimeSpan("stop.kill-timeout"),
            MasterRole = c.GetString("cluster.master-role", "master"),
            HostGrace = c.GetTimeSpan("cluster.host-grace", TimeSpan.FromSeconds(10)),
            LogMaxBytes = Client.Specs.ByteSize.Parse(c.GetString("logs.max-size", "")) ?? throw new ConfigurationException($"pbm.logs.max-size: '{c.GetString("logs.max-size", "")}' is not a size (10M, 512K)"),
            LogMaxFiles = c.GetInt("logs.max-files"),
            LogQueueSize = c.GetInt("logs.queue-size"),
            LogFullWait = c.GetTimeSpan("logs.full-wait"),
            LogRetryOpen = c.GetTimeSpan("logs.retry-open"),
            FollowBuffer = c.GetInt("logs.follow-buffer"),
            EventsKept = c.GetInt("logs.events"),
            MetricsInterval = c.GetTimeSpan("metrics.interval"),
            AutoscaleInterval = c.GetTimeSpan("autoscale.interval"),
            MetricsPublic = c.GetBoolean("api.metrics-public", false),
            WatchDebounce = c.GetTimeSpan("watch.debounce", TimeSpan.FromMilliseconds(500)),
            EventsInterval = c.GetTimeSpan("api.events-interval", TimeSpan.FromMilliseconds(500)),
            ApiMaxBodyBytes = Client.Specs.ByteSize.Parse(c.GetString("api.max-body-size", "1M"))
                              ?? throw new ConfigurationException($"pbm.api.max-body-size: '{c.GetString("api.max-body-size", "")}' is not a size (1M, 512K)"),
            PaletteGatherTimeout = c.GetTimeSpan("palettes.gather-timeout", TimeSpan.FromSeconds(3)),
            PaletteCommandTimeout = c.GetTimeSpan("palettes.command-timeout", TimeSpan.FromSeconds(30)),
            PageOutAfterStart = Off(c.GetString("memory.page-out-after-start", "20s")) ? null : c.GetTimeSpan("memory.page-out-after-start"),
            HeapTrimInterval = Off(c.GetString("memory.trim-heap-every", "5m")) ? null : c.GetTimeSpan("memory.trim-heap-every"),
            WatchIgnore = c.GetStringList("watch.ignore", ["node_modules", ".git", "logs", "log", "*.log"]).ToList(),
            UseCgroups = c.GetString("processes.cgroups", "auto") switch
            {
                "auto" or "on" or "true" or "yes" => true,
                var v when Off(v) => false,
                var v => throw new ConfigurationException($"pbm.processes.cgroups: '{v}' is neither auto nor off"),
            },
            TreeKillWait = c.GetTimeSpan("processes.kill-wait", TimeSpan.FromSeconds(3)),
        };
        if (settings.LogMaxBytes < 1024) throw new ConfigurationException("pbm.logs.max-size must be at least 1K");
        if (settings.LogMaxFiles < 1) throw new ConfigurationException("pbm.logs.max-files must be 1 or more");
        if (settings.LogQueueSize < 16) throw new ConfigurationException("pbm.logs.queue-size must be 16 or more");
        if (settings.FollowBuffer < 16) throw new ConfigurationException("pbm.logs.follow-buffer must be 16 or more");
        if (settings.EventsKept < 0) throw new ConfigurationException("pbm.logs.events must be 0 or more");
        if (settings.MetricsInterval < TimeSpan.FromMilliseconds(100)) throw new ConfigurationException("pbm.metrics.interval must be at least 100ms");
        if (settings.AutoscaleInterval < TimeSpan.FromMilliseconds(200) || settings.AutoscaleInterval > TimeSpan.FromMinutes(10))
            throw new ConfigurationException("pbm.autoscale.interval must be between 200ms and 10m");
        if (settings.WatchDebounce < TimeSpan.Zero) throw new ConfigurationException("pbm.watch.debounce must be 0 or more");
        if (settings.StartOrderPoll <= TimeSpan.Zero || settings.StartOrderTimeout <= TimeSpan.Zero)
            throw new ConfigurationException("pbm.start-order.poll and pbm.start-order.timeout must be greater than 0");
        if (settings.AskTimeout <= TimeSpan.Zero || settings.CommandWait <= TimeSpan.Zero)
            throw new ConfigurationException("pbm.api.ask-timeout and command-wait must be > 0");
        if (settings.EventsInterval < TimeSpan.FromMilliseconds(50)) throw new ConfigurationException("pbm.api.events-interval must be at least 50ms");
        if (settings.ApiMaxBodyBytes < 64 * 1024) throw new ConfigurationException("pbm.api.max-body-size must be at least 64K");
        if (settings.PaletteGatherTimeout <= TimeSpan.Zero || settings.PaletteCommandTimeout <= TimeSpan.Zero)
            throw new ConfigurationException("pbm.palettes.gather-timeout and command-timeout must be > 0");
        if (settings.MaxRestarts < 0) throw new ConfigurationException("pbm.restart.max-restarts must be 0 or more");
        if (settings.BackoffMin <= TimeSpan.Zero || settings.BackoffMax < settings.BackoffMin)
            throw new ConfigurationException("pbm.restart.backoff-min must be > 0 and <= backoff-max");
        if (settings.KillTimeout <= TimeSpan.Zero) throw new ConfigurationException("pbm.stop.kill-timeout must be > 0");
        if (settings.TreeKillWait <= TimeSpan.Zero) throw new ConfigurationException("pbm.processes.kill-wait must be > 0");
        return settings;
    }

    /// <summary>The restart policy of <paramref name="spec"/>, its nulls filled with these defaults.</summary>
    internal Supervision.RestartPolicy PolicyFor(AppSpec spec) => new(
        AutoRestart: spec.Restart.AutoRestart,
        MinUptime: spec.Restart.MinUptimeMs is { } mu ? TimeSpan.FromMilliseconds(mu) : MinUptime,
        MaxRestarts: spec.Restart.MaxRestarts ?? MaxRestarts,
        RestartDelay: spec.Restart.RestartDelayMs is { } rd ? TimeSpan.FromMilliseconds(rd) : RestartDelay,
        BackoffMin: BackoffMin,
        BackoffMax: BackoffMax,
        StopExitCodes: spec.Restart.StopExitCodes);

    /// <summary>The log options of <paramref name="spec"/>, its nulls filled with these defaults.</summary>
    internal Logs.LogOptions LogOptionsFor(AppSpec spec) => new(
        Time: spec.Logs.Time,
        Json: spec.Logs.Format == LogFormats.Json,
        MaxBytes: spec.Logs.MaxBytes ?? LogMaxBytes,
        MaxFiles: spec.Logs.MaxFiles ?? LogMaxFiles,
        QueueSize: LogQueueSize,
        FullWait: LogFullWait,
        RetryOpen: LogRetryOpen)
    {
        DateFormat = DateFormatOf(spec.Logs.DateFormat),
        OutFile = spec.Logs.OutFile,
        ErrFile = spec.Logs.ErrFile,
        CombinedFile = spec.Logs.CombinedFile,
        Merge = spec.Logs.Merge,
    };

    private static Client.Specs.DayjsFormat? DateFormatOf(string? text)
    {
        try
        {
            return text is null ? null : Client.Specs.DayjsFormat.Parse(text);
        }
        catch (Client.PbmException)
        {
            return null; // validated where specs come in; an old or edited state file falls back to ISO 8601
        }
    }

    /// <summary>A duration setting that is switched off: off, false, no, 0 or empty.</summary>
    private static bool Off(string value) => value is "off" or "false" or "no" or "0" or "";

    private static Akka.Configuration.Config LoadReference()
    {
        using var stream = typeof(PbmSettings).Assembly.GetManifestResourceStream("Pbm.Runtime.reference.conf")
                           ?? throw new InvalidOperationException("reference.conf is not embedded");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
