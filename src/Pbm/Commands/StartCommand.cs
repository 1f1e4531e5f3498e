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
    /// <summary>Options that apply to every app of an app file; the rest belong in the file.</summary>
    private static readonly HashSet<string> FileOptions = ["env", "only", "json", "endpoint", "token"];

    public static async Task<int> RunAsync(Context c)
    {
        var a = c.Args;
        if (a.Positionals.Count == 0) throw new UsageException("missing script: pbm start <script|dir|package.json|app|apps.hocon> [options]");
        if (a.Positionals.Count > 1) throw new UsageException($"unexpected argument '{a.Positionals[1]}' (app arguments go after --)");
        var target = a.Positionals[0];
        var looksLikeName = !target.Contains('/') && !File.Exists(target) && !Directory.Exists(target) && a.Options.Count == 0;
        if (looksLikeName && !a.Has("name"))
        {
            // "pbm start web" of a known (stopped) app starts it, as PM2 does.
            try
            {
                return Handlers.Print(c, await c.CallAsync(cl => cl.StartExistingAsync(target)));
            }
            catch (PbmException e) when (e.StatusCode == 404)
            {
                // Not an app: fall through and treat it as a command on PATH.
            }
        }
        var full = Path.GetFullPath(target);
        if (File.Exists(full) && AppFile.IsAppFile(full)) return await StartFileAsync(c, full);
        if (a.Has("only")) throw new UsageException("--only applies to app files (apps.hocon, ecosystem.config.js...)");

        var (vars, envName) = SplitEnv(a.Values("env"));
        if (envName is not null)
            throw new UsageException($"--env {envName}: a NAME selects env_{envName} of an app file; to set a variable give --env KEY=VALUE");
        var spec = AppSpecResolver.Resolve(OptionsFrom(a, target, Environment.CurrentDirectory, CallerEnv()) with { Env = vars });
        return Handlers.Print(c, await c.CallAsync(cl => cl.StartAsync(spec)));
    }

    private static async Task<int> StartFileAsync(Context c, string path)
    {
        var extra = c.Args.Options.Keys.FirstOrDefault(k => !FileOptions.Contains(k));
        if (extra is not null)
            throw new UsageException($"--{extra} does not apply to an app file: set it in {Path.GetFileName(path)} (only --env and --only apply to every app)");
        if (c.Args.Rest.Count > 0) throw new UsageException("app arguments after -- do not apply to an app file: set args in the file");
        var (vars, envName) = SplitEnv(c.Args.Values("env"));
        var only = c.Args.Value("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var specs = ResolveFile(path, envName, vars, CallerEnv(), c.Warnings);
        if (only is not null)
        {
            foreach (var name in only.Where(n => specs.All(s => s.Name != n)))
                throw new PbmException($"--only {name}: {path} has no app named {name} (it has {string.Join(", ", specs.Select(s => s.Name))})");
            specs = specs.Where(s => only.Contains(s.Name)).ToList();
        }

        var results = new List<OperationResult>();
        var failed = 0;
        foreach (var spec in specs)
        {
            try
            {
                results.Add(await c.CallAsync(cl => cl.StartAsync(spec)));
            }
            catch (PbmException e) when (e.StatusCode is not null)
            {
                failed++;
                var hint = e.StatusCode == 409 && e.Message.Contains("already exists", StringComparison.Ordinal)
                    ? $"{spec.Name}: already exists (pbm restart {spec.Name} --update-env re-reads the file)"
                    : $"{spec.Name}: {e.Message}";
                results.Add(new OperationResult("error: " + hint, []));
            }
        }
        if (c.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(results, PbmJsonContext.Indented.ListOperationResult));
            return failed == 0 ? 0 : 1;
        }
        foreach (var r in results)
        {
            if (r.Message.StartsWith("error: ", StringComparison.Ordinal)) await Console.Error.WriteLineAsync(r.Message);
            else Console.Out.WriteLine(r.Message);
        }
        var instances = results.SelectMany(r => r.Instances).ToList();
        if (instances.Count > 0) Console.Out.Write(Views.Instances(instances));
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Every app of an app file as a resolved spec; the first problem fails them all, naming file and line.</summary>
    public static List<AppSpec> ResolveFile(string path, string? envName, IReadOnlyList<string> vars, IReadOnlyDictionary<string, string> callerEnv, List<string> warnings)
    {
        var known = CommandTable.StartOptions.ToDictionary(o => o.Name, o => o.TakesValue);
        var set = AppFile.Load(path, envName, known);
        warnings.AddRange(set.Warnings);
        var dir = Path.GetDirectoryName(path)!;
        var specs = new List<AppSpec>();
        foreach (var entry in set.Apps)
        {
            var parsed = new ParsedArgs { Command = "start" };
            parsed.Positionals.Add(entry.Script);
            foreach (var (name, values) in entry.Options) parsed.Options[name] = [.. values];
            parsed.Rest.AddRange(entry.Args);
            try
            {
                var options = OptionsFrom(parsed, entry.Script, dir, callerEnv) with
                {
                    Env = [.. entry.Env, .. vars],
                    Source = path,
                    EnvName = envName,
                };
                specs.Add(AppSpecResolver.Resolve(options));
            }
            catch (Exception e) when (e is PbmException or UsageException)
            {
                throw new PbmException($"{entry.Where}: {e.Message}");
            }
        }
        var dup = specs.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new PbmException($"{path}: two apps are named '{dup.Key}' (give each a name)");
        return specs;
    }

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
            MaxRestarts = a.Int("max-restarts"),
            MinUptimeMs = a.DurationMs("min-uptime"),
            RestartDelayMs = a.DurationMs("restart-delay"),
            NoAutoRestart = a.Has("no-autorestart"),
            StopExitCodes = stopCodes,
            KillSignal = a.Value("kill-signal"),
            KillTimeoutMs = a.DurationMs("kill-timeout"),
            Port = a.Int("port"),
            Ready = a.Has("wait-ready") ? ReadyChecks.Message : a.Value("ready"),
            ListenTimeoutMs = a.DurationMs("listen-timeout"),
            Route = a.Value("route"),
            RouteHost = a.Value("route-host"),
            Sticky = a.Has("sticky"),
            Hosts = a.Value("hosts")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            MaxPerHost = a.Int("max-per-host"),
            MaxMemory = a.Value("max-memory"),
            NoTime = a.Has("no-time"),
            LogFormat = a.Value("log-format"),
            LogMaxSize = a.Value("log-max-size"),
            LogMaxFiles = a.Int("log-max-files"),
            PidFile = a.Value("pid-file"),
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
