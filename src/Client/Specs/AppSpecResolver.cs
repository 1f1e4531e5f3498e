using System.Text.Json;
using Pbm.Client.Contracts;

namespace Pbm.Client.Specs;

/// <summary>
/// Turns <c>pbm start</c> input into a spec: finds the script, picks the interpreter by extension
/// (or package.json), validates every option. Runs in the CLI so a typo fails before a daemon starts.
/// </summary>
public static class AppSpecResolver
{
    private static readonly Dictionary<string, string> Interpreters = new(StringComparer.OrdinalIgnoreCase)
    {
        [".js"] = "node", [".mjs"] = "node", [".cjs"] = "node",
        [".py"] = "python3", [".dll"] = "dotnet", [".sh"] = "bash",
    };

    public static AppSpec Resolve(StartOptions o)
    {
        var cwdBase = o.Cwd is null ? o.CallerCwd : Path.GetFullPath(o.Cwd, o.CallerCwd);
        if (o.Cwd is not null && !Directory.Exists(cwdBase))
            throw new PbmException($"--cwd {o.Cwd}: no such directory");

        var instances = ParseInstances(o.Instances);
        var env = new Dictionary<string, string>(o.CallerEnv);
        var overrides = new Dictionary<string, string>();
        foreach (var pair in o.Env)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new PbmException($"--env {pair}: expected KEY=VALUE");
            env[pair[..eq]] = overrides[pair[..eq]] = pair[(eq + 1)..];
        }
        if (o.KillTimeoutMs is <= 0) throw new PbmException("--kill-timeout must be greater than 0");
        if (o.MaxRestarts is < 0) throw new PbmException("--max-restarts must be 0 or more");
        var signal = o.KillSignal is null ? "SIGTERM" : Signals.Normalize(o.KillSignal)
            ?? throw new PbmException($"--kill-signal {o.KillSignal}: unknown signal");

        if (o.Port is < 1 or > 65535) throw new PbmException($"--port {o.Port}: expected a port between 1 and 65535");
        if (ReadyChecks.Validate(o.Ready, o.Port is not null) is { } readyError) throw new PbmException(readyError);
        if ((o.Route is not null || o.RouteHost is not null || o.Sticky) && o.Port is null)
            throw new PbmException("--route, --route-host and --sticky need --port");
        if (o.ListenTimeoutMs is <= 0) throw new PbmException("--listen-timeout must be greater than 0");
        var logFormat = o.LogFormat ?? LogFormats.Text;
        if (logFormat is not (LogFormats.Text or LogFormats.Json)) throw new PbmException($"--log-format {o.LogFormat}: expected text or json");
        long? logMax = o.LogMaxSize is null ? null : ByteSize.Parse(o.LogMaxSize) ?? throw new PbmException($"--log-max-size {o.LogMaxSize}: expected a size such as 512K, 10M or 1G");
        if (logMax is < 1024) throw new PbmException($"--log-max-size {o.LogMaxSize}: at least 1K");
        if (o.LogMaxFiles is < 1 or > 1000) throw new PbmException($"--log-max-files {o.LogMaxFiles}: between 1 and 1000");
        long? maxMemory = o.MaxMemory is null ? null : ByteSize.Parse(o.MaxMemory) ?? throw new PbmException($"--max-memory {o.MaxMemory}: expected a size such as 300M or 1G");
        if (maxMemory is < 1024 * 1024) throw new PbmException($"--max-memory {o.MaxMemory}: at least 1M");
        if (o.CronRestart is { } cron)
        {
            if (!CronSchedule.TryParse(cron, out var schedule, out var cronError)) throw new PbmException($"--cron-restart '{cron}': {cronError}");
            if (schedule!.Next(DateTimeOffset.UtcNow) is null) throw new PbmException($"--cron-restart '{cron}': never occurs");
        }
        if (o.WatchDelayMs is < 0) throw new PbmException("--watch-delay must be 0 or more");

        var (script, command, args, interpreter, defaultName, cwd) = ResolveTarget(o, cwdBase);
        var name = o.Name ?? defaultName;
        ValidateName(name);
        var appCwd = o.Cwd is null ? cwd : cwdBase;
        // --watch alone watches the script's folder (the app's code), not wherever pbm start was typed.
        IReadOnlyList<string>? watch = o.Watch is null ? null
            : o.Watch.Count == 0 ? [File.Exists(script) ? Path.GetDirectoryName(script)! : appCwd]
            : o.Watch.Select(p => Path.GetFullPath(p, appCwd)).ToList();
        foreach (var w in watch ?? [])
            if (!File.Exists(w) && !Directory.Exists(w)) throw new PbmException($"--watch {w}: no such file or directory");

        return new AppSpec
        {
            Name = name,
            Script = script,
            Command = command,
            Args = [.. args, .. o.Args],
            Interpreter = interpreter,
            Cwd = appCwd,
            Env = env,
            EnvOverrides = overrides,
            Source = o.Source,
            EnvName = o.EnvName,
            PidFile = o.PidFile is null ? null : Path.GetFullPath(o.PidFile, o.CallerCwd),
            Watch = watch,
            IgnoreWatch = o.IgnoreWatch,
            WatchDelayMs = o.WatchDelayMs,
            CronRestart = o.CronRestart,
            Instances = instances,
            KillSignal = signal,
            KillTimeoutMs = o.KillTimeoutMs ?? 5000,
            Port = o.Port,
            Ready = o.Ready,
            ListenTimeoutMs = o.ListenTimeoutMs ?? 10000,
            Route = o.Route is null ? null : o.Route.StartsWith('/') ? o.Route : "/" + o.Route,
            RouteHost = o.RouteHost,
            Sticky = o.Sticky,
            Hosts = o.Hosts is { Count: > 0 } ? o.Hosts : null,
            MaxPerHost = o.MaxPerHost is < 1 ? throw new PbmException("--max-per-host must be at least 1") : o.MaxPerHost,
            Logs = new LogSpec { Time = !o.NoTime, Format = logFormat, MaxBytes = logMax, MaxFiles = o.LogMaxFiles },
            MaxMemoryBytes = maxMemory,
            Restart = new RestartPolicySpec
            {
                AutoRestart = !o.NoAutoRestart,
                MaxRestarts = o.MaxRestarts,
                MinUptimeMs = o.MinUptimeMs,
                RestartDelayMs = o.RestartDelayMs,
                StopExitCodes = o.StopExitCodes,
            },
        };
    }

    /// <summary>N (1 or more) or "max" (one per CPU).</summary>
    public static int ParseInstances(string? text)
    {
        if (text is null) return 1;
        if (text.Equals("max", StringComparison.OrdinalIgnoreCase)) return Environment.ProcessorCount;
        if (!int.TryParse(text, out var n))
            throw new PbmException($"-i {text}: expected a number of instances or 'max'");
        if (n < 1) throw new PbmException($"-i {text}: the number of instances must be at least 1");
        if (n > 1024) throw new PbmException($"-i {text}: at most 1024 instances per app");
        return n;
    }

    public static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Length > 100 || name == "all" ||
            !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name[0] == '.')
            throw new PbmException($"invalid app name '{name}': use letters, digits, '-', '_' and '.' (and not 'all')");
    }

    private static (string Script, string Command, string[] Args, string? Interpreter, string Name, string Cwd)
        ResolveTarget(StartOptions o, string cwdBase)
    {
        var path = Path.GetFullPath(o.Target, o.CallerCwd);
        if (!File.Exists(path) && !Directory.Exists(path) && o.Cwd is not null)
            path = Path.GetFullPath(o.Target, cwdBase);

        if (Directory.Exists(path))
        {
            var pkg = Path.Combine(path, "package.json");
            if (!File.Exists(pkg)) throw new PbmException($"{o.Target} is a directory without package.json");
            path = pkg;
        }
        if (File.Exists(path) && Path.GetFileName(path) == "package.json")
            return FromPackageJson(path, o);

        if (!File.Exists(path))
        {
            // Not a file: a bare command on PATH ("pbm start redis-server") is accepted, as PM2 does.
            if (!o.Target.Contains('/') && FindOnPath(o.Target, o.CallerEnv) is { } onPath)
                return (onPath, o.Target, [], null, o.Target, cwdBase);
            throw new PbmException($"script not found: {o.Target}");
        }

        var name = Path.GetFileNameWithoutExtension(path);
        var interpreter = o.Interpreter;
        if (interpreter is "none") interpreter = null;
        else if (interpreter is null) Interpreters.TryGetValue(Path.GetExtension(path), out interpreter);
        if (interpreter is null)
        {
            if ((File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
                throw new PbmException($"{o.Target} is not executable and its extension names no interpreter (pass --interpreter)");
            return (path, path, [], null, name, cwdBase);
        }
        return (path, interpreter, [path], interpreter, name, cwdBase);
    }

    private static (string, string, string[], string?, string, string) FromPackageJson(string pkgPath, StartOptions o)
    {
        var dir = Path.GetDirectoryName(pkgPath)!;
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(pkgPath));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new PbmException($"{pkgPath}: invalid JSON at line {e.LineNumber + 1}: {e.Message}");
        }
        var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()!.Replace('/', '-').TrimStart('@')
            : Path.GetFileName(dir);
        if (root.TryGetProperty("main", out var main) && main.ValueKind == JsonValueKind.String)
        {
            var file = Path.GetFullPath(main.GetString()!, dir);
            foreach (var candidate in new[] { file, file + ".js", Path.Combine(file, "index.js") })
            {
                if (File.Exists(candidate))
                    return (candidate, o.Interpreter ?? "node", [candidate], o.Interpreter ?? "node", name, dir);
            }
            throw new PbmException($"{pkgPath}: main '{main.GetString()}' not found");
        }
        if (root.TryGetProperty("scripts", out var scripts) && scripts.ValueKind == JsonValueKind.Object &&
            scripts.TryGetProperty("start", out var start) && start.ValueKind == JsonValueKind.String)
        {
            // As npm does: the start script runs in sh with node_modules/.bin first on PATH.
            var bin = Path.Combine(dir, "node_modules", ".bin");
            return (pkgPath, "sh", ["-c", $"PATH=\"{bin}:$PATH\"; {start.GetString()}", "sh"], "sh", name, dir);
        }
        throw new PbmException($"{pkgPath} has neither 'main' nor 'scripts.start'");
    }

    private static string? FindOnPath(string command, IReadOnlyDictionary<string, string> env)
    {
        if (!env.TryGetValue("PATH", out var path)) return null;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
