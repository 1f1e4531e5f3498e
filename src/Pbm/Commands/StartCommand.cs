using System.Collections;
using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Cli.Output;
using Pbm.Client;
using Pbm.Client.AppFiles;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;

namespace Pbm.Cli.Commands;

/// <summary>
/// pbm start: a script (resolved into one spec), a stopped app by name, or an app file (apps.hocon, apps.json,
/// ecosystem.config.js, .yaml) whose apps are each translated into the options of a command line, resolved the
/// same way, all validated before the first one is sent.
/// </summary>
internal static class StartCommand
{
    public static async Task<int> RunAsync(Context c)
    {
        var a = c.Args;
        if (a.Positionals.Count == 0) throw new UsageException("missing script: pbm start <script|dir|package.json|app|apps.hocon> [options]");
        if (a.Positionals.Count > 1) throw new UsageException($"unexpected argument '{a.Positionals[1]}' (app arguments go after --)");
        var target = a.Positionals[0];
        if (AppFileCommand.IsFile(target, out var file)) return await AppFileCommand.RunAsync(c, file, "start");
        var looksLikeName = !target.Contains('/') && !target.Any(char.IsWhiteSpace) && !File.Exists(target) && !Directory.Exists(target)
                            && a.Options.Keys.All(k => k is "json" or "endpoint" or "token" or "update-env");
        if (looksLikeName && await StartNamedAsync(c, target) is { } code) return code;
        if (a.Has("only")) throw new UsageException("--only applies to app files (apps.hocon, ecosystem.config.js...)");

        var (vars, envName) = SplitEnv(a.Values("env"));
        if (envName is not null)
            throw new UsageException($"--env {envName}: a NAME selects env_{envName} of an app file; to set a variable give --env KEY=VALUE");
        var spec = AppSpecResolver.Resolve(OptionsFrom(a, target, Environment.CurrentDirectory, CallerEnv()) with { Env = vars, Warnings = c.Warnings });
        var since = DateTimeOffset.UtcNow;
        OperationResult result;
        try
        {
            result = await c.CallAsync(cl => cl.StartAsync(spec));
        }
        catch (PbmException e) when (e.StatusCode == 409 && e.Message.Contains("already exists", StringComparison.Ordinal))
        {
            return await StartExistingAsync(c, spec);
        }
        List<OperationResult> results = [result];
        var failing = await StartReport.CheckAsync(c, [spec], results, since);
        Handlers.Print(c, results[0]);
        return failing == 0 ? 0 : 1;
    }

    /// <summary>
    /// pbm start NAME of an app that exists: its stopped instances start (PM2 restarts it; a running app is left as
    /// it is, with the command that restarts it). Null when there is no such app (NAME is then a command on PATH).
    /// </summary>
    private static async Task<int?> StartNamedAsync(Context c, string name)
    {
        AppInfo app;
        try
        {
            app = await c.CallAsync(cl => cl.ShowAsync(name));
        }
        catch (PbmException e) when (e.StatusCode is 404 or 400)
        {
            return null;
        }
        if (c.Args.Has("update-env")) return await UpdateEnvCommand.RunAsync(c, [app.Spec.Name]);
        if (app.Running && app.Instances.All(i => i.Status is InstanceStatus.Online or InstanceStatus.Launching))
        {
            if (c.Json) return Handlers.Print(c, new OperationResult($"{name} is already running", app.Instances));
            Console.Out.WriteLine($"{name} is already running ({app.Instances.Count} instance{(app.Instances.Count == 1 ? "" : "s")}); pbm restart {name} restarts it");
            return 0;
        }
        var since = DateTimeOffset.UtcNow;
        List<OperationResult> results = [await c.CallAsync(cl => cl.StartExistingAsync(name))];
        var failing = await StartReport.CheckAsync(c, [app.Spec], results, since);
        Handlers.Print(c, results[0]);
        return failing == 0 ? 0 : 1;
    }

    /// <summary>
    /// pbm start SCRIPT for an app of that name that exists: --update-env restarts it with this command line's
    /// spec; --force adds the instances asked for; a stopped or errored one starts again (as PM2 does); a running
    /// one is refused with what to type instead (PM2: "Script already launched, add -f option to force re-execution").
    /// </summary>
    private static async Task<int> StartExistingAsync(Context c, AppSpec spec)
    {
        var current = await c.CallAsync(cl => cl.ShowAsync(spec.Name));
        if (current.Spec.Script != spec.Script && !c.Args.Has("update-env"))
            throw new PbmException($"app '{spec.Name}' already exists and runs {current.Spec.Script}: give this one another --name, or pbm delete {spec.Name} first");
        if (c.Args.Has("update-env")) return Handlers.Print(c, await c.CallAsync(cl => cl.RestartAsync(spec.Name, spec)));
        if (c.Args.Has("force"))
        {
            var add = c.Args.Has("instances") ? spec.Instances : 1;
            return Handlers.Print(c, await c.CallAsync(cl => cl.ScaleAsync(spec.Name, $"+{add}")));
        }
        if (!current.Running || current.Instances.Any(i => i.Status is InstanceStatus.Stopped or InstanceStatus.Errored))
            return Handlers.Print(c, await c.CallAsync(cl => cl.StartExistingAsync(spec.Name)));
        throw new PbmException($"{spec.Name} is already running ({current.Instances.Count} instance{(current.Instances.Count == 1 ? "" : "s")}): " +
                               $"pbm restart {spec.Name} restarts it, --update-env restarts it with this command line, -f adds instances");
    }

    /// <summary>
    /// Every app of an app file as a resolved spec. A malformed file fails as a whole, naming file and line; an app
    /// that cannot be resolved (its script is missing...) is reported in <see cref="FileApps.Failures"/> and the others
    /// are returned, as PM2 starts the apps of a file it can and reports the others.
    /// </summary>
    public static FileApps ResolveFile(string path, string? envName, IReadOnlyList<string> vars, IReadOnlyDictionary<string, string> callerEnv, List<string> warnings)
    {
        var known = CommandTable.StartOptions.ToDictionary(o => o.Name, o => o.TakesValue);
        var set = AppFile.Load(path, envName, known);
        warnings.AddRange(set.Warnings);
        // Variables the file put into process.env as it was evaluated (dotenv): under PM2 every app inherits them.
        var configEnv = set.Env.Select(kv => $"{kv.Key}={kv.Value}").ToList();
        var dir = Path.GetDirectoryName(path)!;
        var specs = new List<AppSpec>();
        var failures = new List<string>();
        foreach (var entry in set.Apps)
        {
            var parsed = new ParsedArgs { Command = "start" };
            parsed.Positionals.Add(entry.Script);
            foreach (var (name, values) in entry.Options) parsed.Options[name] = [.. values];
            parsed.Rest.AddRange(entry.Args);
            var env = new List<string>([.. configEnv, .. entry.Env]);
            if (parsed.Value("name") is { } given && !AppSpecResolver.IsValidName(given))
            {
                // PM2 takes any name ("API Server", "web/v2"); pbm's name is in ids, paths and URLs. The app keeps its
                // name where it sees it: PM2 passes it as the variable "name".
                var safe = AppSpecResolver.SafeName(given);
                parsed.Options["name"] = [safe];
                env.Insert(0, $"name={given}");
                warnings.Add($"{entry.Where}: the name '{given}' is '{safe}' in pbm (names are letters, digits, '-', '_' and '.')");
            }
            try
            {
                var options = OptionsFrom(parsed, entry.Script, dir, callerEnv) with
                {
                    Env = [.. env, .. vars],
                    Source = path,
                    EnvName = envName,
                    ExecMode = parsed.Value("exec-mode"),
                    InstancesGiven = parsed.Has("instances"),
                    FilterEnv = parsed.Value("filter-env") is { } filter ? filter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
                    Warnings = warnings,
                };
                var spec = AppSpecResolver.Resolve(options);
                // PM2's append_env_to_name: web started with --env production is web-production.
                if (parsed.Has("append-env-to-name") && envName is not null)
                {
                    var renamed = spec.Name + "-" + envName;
                    AppSpecResolver.ValidateName(renamed);
                    spec = spec with { Name = renamed };
                }
                specs.Add(spec);
            }
            catch (Exception e) when (e is PbmException or UsageException)
            {
                failures.Add($"{entry.Where}{(entry.Name is { } n ? $" ({n})" : "")}: {e.Message}");
            }
        }
        var dup = specs.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new PbmException($"{path}: two apps are named '{dup.Key}' (give each a name)");
        return new FileApps(specs, failures);
    }

    /// <summary>The apps of a file that resolved, and one line per app that did not.</summary>
    public sealed record FileApps(List<AppSpec> Specs, List<string> Failures);

    /// <summary>The start options of a command line (or of an app file's app translated into one).</summary>
    public static StartOptions OptionsFrom(ParsedArgs a, string target, string callerCwd, IReadOnlyDictionary<string, string> callerEnv)
    {
        var stopCodes = new List<int>();
        foreach (var part in (a.Value("stop-exit-codes") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            stopCodes.Add(int.TryParse(part, out var code) ? code : throw new UsageException($"--stop-exit-codes: '{part}' is not a number"));
        return new StartOptions
        {
            Target = target,
            Name = a.Value("name"),
            Instances = a.Value("instances"),
            Cwd = a.Value("cwd"),
            Env = a.Values("env"),
            Interpreter = a.Value("interpreter"),
            Args = a.Rest,
            NodeArgs = a.Values("node-args"),
            IncrementVar = a.Value("increment-var"),
            InstanceVar = a.Value("instance-var"),
            AutoStart = !a.Has("no-autostart"),
            MaxRestarts = a.Int("max-restarts"),
            MinUptimeMs = a.DurationMs("min-uptime"),
            RestartDelayMs = a.DurationMs("restart-delay"),
            NoAutoRestart = a.Has("no-autorestart"),
            StopExitCodes = stopCodes,
            KillSignal = a.Value("kill-signal"),
            KillTimeoutMs = a.DurationMs("kill-timeout"),
            Port = a.Int("port"),
            Ready = a.Has("wait-ready") ? ReadyChecks.WaitReady : a.Value("ready"),
            ListenTimeoutMs = a.DurationMs("listen-timeout"),
            Route = a.Value("route"),
            RouteHost = a.Value("route-host"),
            Sticky = a.Has("sticky"),
            Hosts = a.Value("hosts")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            MaxPerHost = a.Int("max-per-host"),
            MaxMemory = a.Value("max-memory"),
            Health = a.Value("health"),
            HealthIntervalMs = a.DurationMs("health-interval"),
            HealthTimeoutMs = a.DurationMs("health-timeout"),
            HealthFailures = a.Int("health-failures"),
            MemoryLimit = a.Value("memory-limit"),
            CpuLimit = a.Value("cpu-limit"),
            PidsLimit = a.Int("pids-limit"),
            User = a.Value("user"),
            Group = a.Value("group"),
            After = a.Value("after")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            RestartWith = a.Has("restart-with"),
            NoTime = a.Has("no-time"),
            LogFormat = a.Value("log-format"),
            LogMaxSize = a.Value("log-max-size"),
            LogMaxFiles = a.Int("log-max-files"),
            PidFile = a.Value("pid-file"),
            OutFile = a.Value("output"),
            ErrFile = a.Value("error"),
            CombinedFile = a.Has("log") ? a.Value("log") ?? "true" : null,
            MergeLogs = a.Has("merge-logs") ? true : null,
            LogDateFormat = a.Value("log-date-format"),
            Watch = !a.Has("watch") ? null
                : a.Value("watch") is "true" ? []
                : a.Value("watch")!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            IgnoreWatch = a.Values("ignore-watch").SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
            WatchDelayMs = a.DurationMs("watch-delay"),
            CronRestart = a.Value("cron-restart"),
            CallerCwd = callerCwd,
            CallerEnv = callerEnv,
        };
    }

    /// <summary>--env values: KEY=VALUE variables, and at most one NAME (an app file's env_NAME).</summary>
    public static (List<string> Vars, string? Name) SplitEnv(IReadOnlyList<string> values)
    {
        var vars = values.Where(v => v.Contains('=')).ToList();
        var names = values.Where(v => !v.Contains('=')).Distinct().ToList();
        if (names.Count > 1) throw new UsageException($"--env: one environment name at most, got {string.Join(" and ", names)}");
        return (vars, names.FirstOrDefault());
    }

    public static Dictionary<string, string> CallerEnv() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
}
