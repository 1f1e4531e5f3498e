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
        [".rb"] = "ruby", [".php"] = "php", [".pl"] = "perl", [".coffee"] = "coffee",
    };

    public static AppSpec Resolve(StartOptions o)
    {
        var cwdBase = o.Cwd is null ? o.CallerCwd : Path.GetFullPath(o.Cwd, o.CallerCwd);
        if (o.Cwd is not null && !Directory.Exists(cwdBase))
            throw new PbmException($"--cwd {o.Cwd}: no such directory");

        var instances = ParseInstances(o.Instances);
        var env = FilteredCallerEnv(o);
        var overrides = new Dictionary<string, string>();
        foreach (var pair in o.Env)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new PbmException($"--env {pair}: expected KEY=VALUE");
            if (pair.Contains('\0')) throw new PbmException($"--env {pair[..eq]}: a variable cannot hold a NUL character");
            env[pair[..eq]] = overrides[pair[..eq]] = pair[(eq + 1)..];
        }
        foreach (var (variable, what) in new[] { (o.IncrementVar, "--increment-var"), (o.InstanceVar, "--instance-var") })
            if (variable is not null && !IsVariableName(variable)) throw new PbmException($"{what} {variable}: expected a variable name such as PORT");
        if (o.ExecMode is not (null or "fork" or "cluster")) throw new PbmException($"exec_mode {o.ExecMode}: expected fork or cluster");
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
        var health = Health(o);
        long? memoryLimit = o.MemoryLimit is null ? null : ByteSize.Parse(o.MemoryLimit) ?? throw new PbmException($"--memory-limit {o.MemoryLimit}: expected a size such as 300M or 1G");
        if (memoryLimit is < SpecValidator.MinMemoryLimit) throw new PbmException($"--memory-limit {o.MemoryLimit}: at least 4M");
        var cpuLimit = o.CpuLimit is null ? (double?)null : ParseCores(o.CpuLimit);
        if (o.PidsLimit is < 1 or > 4_194_304) throw new PbmException($"--pids-limit {o.PidsLimit}: expected 1 to 4194304");
        foreach (var (id, what) in new[] { (o.User, "--user"), (o.Group, "--group") })
            if (id is not null && SpecValidator.UserNameProblem(id) is { } idProblem) throw new PbmException($"{what} {id}: {idProblem}");
        if (o.RestartWith && o.After is not { Count: > 0 }) throw new PbmException("--restart-with needs --after (the apps whose restart restarts this one)");
        if (o.CronRestart is { } cron)
        {
            if (!CronSchedule.TryParse(cron, out var schedule, out var cronError)) throw new PbmException($"--cron-restart '{cron}': {cronError}");
            if (schedule!.Next(DateTimeOffset.UtcNow) is null) throw new PbmException($"--cron-restart '{cron}': never occurs");
        }
        if (o.WatchDelayMs is < 0) throw new PbmException("--watch-delay must be 0 or more");

        var (script, command, args, interpreter, defaultName, cwd, isFile) = ResolveTarget(o, cwdBase);
        if (interpreter is not null && !interpreter.Contains('/') && FindOnPath(interpreter, o.CallerEnv) is null)
            throw new PbmException($"interpreter {interpreter} is not on PATH" +
                                   (interpreter == "python" && FindOnPath("python3", o.CallerEnv) is not null ? " (python3 is: interpreter python3)" : ""));
        var name = o.Name ?? SafeName(defaultName);
        ValidateName(name);
        foreach (var dep in o.After ?? [])
        {
            if (NameProblem(dep) is not null) throw new PbmException($"--after {dep}: not an app name");
            if (dep == name) throw new PbmException($"--after {dep}: an app cannot start after itself");
        }
        var appCwd = o.Cwd is null ? cwd : cwdBase;
        if (o.NodeArgs.Count > 0)
        {
            var words = o.NodeArgs.SelectMany(ShellWords.Split).ToList();
            // Interpreter arguments go before the script, for any interpreter (PM2 does the same); a program run
            // directly, or a command line, has no interpreter to give them to.
            if (interpreter is not null && interpreter != "sh" && args.Length > 0 && args[0] == script) args = [.. words, .. args];
            else o.Warnings?.Add($"{name}: node_args/interpreter_args ignored: {Path.GetFileName(command)} is not run through an interpreter");
        }
        if (interpreter?.Contains("python", StringComparison.Ordinal) == true && !env.ContainsKey("PYTHONUNBUFFERED"))
            env["PYTHONUNBUFFERED"] = "1"; // as PM2 does: output reaches the log as it is printed, not in 8 KB blocks
        var port = o.Port ?? ClusterPort(o, overrides, interpreter);
        // --watch alone watches the script's folder (the app's code); for a command (npm start, a program on PATH),
        // the app's folder, never the command's own.
        IReadOnlyList<string>? watch = o.Watch is null ? null
            : o.Watch.Count == 0 ? [isFile && File.Exists(script) ? Path.GetDirectoryName(script)! : appCwd]
            : o.Watch.Select(p => Path.GetFullPath(p, appCwd)).ToList();
        if (watch?.Where(w => !File.Exists(w) && !Directory.Exists(w)).ToList() is { Count: > 0 } missing)
        {
            // PM2 watches paths that do not exist (yet) without a word; pbm says so, and watches the others.
            if (missing.Count == watch.Count) throw new PbmException($"--watch {string.Join(",", missing)}: no such file or directory");
            o.Warnings?.Add($"{name}: not watching {string.Join(", ", missing)}: no such file or directory");
            watch = watch.Except(missing).ToList();
        }

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
            IncrementVar = o.IncrementVar,
            InstanceVar = o.InstanceVar,
            AutoStart = o.AutoStart,
            Instances = instances,
            KillSignal = signal,
            KillTimeoutMs = o.KillTimeoutMs ?? 5000,
            Port = port,
            Ready = o.Ready,
            ListenTimeoutMs = o.ListenTimeoutMs ?? 10000,
            Route = o.Route is null ? null : o.Route.StartsWith('/') ? o.Route : "/" + o.Route,
            RouteHost = o.RouteHost,
            Sticky = o.Sticky,
            Hosts = o.Hosts is { Count: > 0 } ? o.Hosts : null,
            MaxPerHost = o.MaxPerHost is < 1 ? throw new PbmException("--max-per-host must be at least 1") : o.MaxPerHost,
            Logs = new LogSpec
            {
                Time = !o.NoTime, Format = logFormat, MaxBytes = logMax, MaxFiles = o.LogMaxFiles,
                OutFile = LogFile(o.OutFile, "--output", appCwd, o),
                ErrFile = LogFile(o.ErrFile, "--error", appCwd, o),
                CombinedFile = o.CombinedFile is "true" ? name + ".log"
                    : LogFile(o.CombinedFile, "--log", appCwd, o),
                // PM2 merges (no -ID in the names) only for a fork-mode app whose instances were not given.
                Merge = o.MergeLogs ?? (o.Instances is null && !o.InstancesGiven && o.ExecMode is not "cluster" and not "cluster_mode"),
                DateFormat = o.LogDateFormat is null ? null : DayjsFormat.Parse(o.LogDateFormat).Text,
            },
            MaxMemoryBytes = maxMemory,
            Health = health,
            MemoryLimitBytes = memoryLimit,
            CpuLimit = cpuLimit,
            PidsLimit = o.PidsLimit,
            User = o.User,
            Group = o.Group,
            After = o.After is { Count: > 0 } after ? after.Distinct(StringComparer.Ordinal).ToList() : null,
            RestartWith = o.RestartWith,
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

    /// <summary>--health and its interval, timeout and failures, checked; null without --health.</summary>
    private static HealthCheckSpec? Health(StartOptions o)
    {
        if (o.Health is null)
        {
            if (o.HealthIntervalMs is not null || o.HealthTimeoutMs is not null || o.HealthFailures is not null)
                throw new PbmException("--health-interval, --health-timeout and --health-failures need --health (tcp, http:/path or exec:COMMAND)");
            return null;
        }
        if (HealthChecks.Validate(o.Health, o.Port is not null) is { } problem) throw new PbmException($"--health {problem}");
        if (o.HealthIntervalMs is < 100) throw new PbmException("--health-interval: at least 100ms");
        if (o.HealthTimeoutMs is < 10) throw new PbmException("--health-timeout: at least 10ms");
        if (o.HealthFailures is < 1 or > 100) throw new PbmException($"--health-failures {o.HealthFailures}: expected 1 to 100");
        var spec = new HealthCheckSpec { Check = o.Health };
        if (o.HealthIntervalMs is { } interval) spec.IntervalMs = interval;
        if (o.HealthTimeoutMs is { } timeout) spec.TimeoutMs = timeout;
        if (o.HealthFailures is { } failures) spec.Failures = failures;
        return spec;
    }

    /// <summary>--cpu-limit: cores (0.5, 2) or a percentage of one core (50%, 150%).</summary>
    private static double ParseCores(string text)
    {
        var t = text.Trim();
        var percent = t.EndsWith('%');
        if (!double.TryParse(percent ? t[..^1] : t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || double.IsNaN(v))
            throw new PbmException($"--cpu-limit {text}: expected cores (0.5, 2) or a percentage of one core (50%)");
        var cores = percent ? v / 100 : v;
        if (cores < SpecValidator.MinCpuLimit || cores > 1024) throw new PbmException($"--cpu-limit {text}: expected 0.01 to 1024 cores");
        return Math.Round(cores, 4);
    }

    /// <summary>A log file option as PM2 reads it: ~ is the home folder, relative to the app's cwd, NULL or /dev/null for none.</summary>
    private static string? LogFile(string? value, string option, string appCwd, StartOptions o)
    {
        if (value is null) return null;
        if (value is "NULL" or "/dev/null") return "/dev/null";
        if (value.Length == 0 || value.Contains('\0')) throw new PbmException($"{option}: expected a file path");
        if (value == "~" || value.StartsWith("~/", StringComparison.Ordinal))
            value = (o.CallerEnv.TryGetValue("HOME", out var home) ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)) + value[1..];
        var full = Path.GetFullPath(value, appCwd);
        if (Directory.Exists(full) || value.EndsWith('/')) throw new PbmException($"{option} {value}: a folder; give a file's path");
        return full;
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
        if (NameProblem(name) is { } problem) throw new PbmException(problem);
    }

    /// <summary>Null when <paramref name="name"/> is a valid app name (<see cref="IsValidName"/>); else why not, in words.</summary>
    public static string? NameProblem(string name) =>
        IsValidName(name) ? null : $"invalid app name '{SpecValidator.Show(name)}': use letters, digits, '-', '_' and '.' (and not 'all')";

    /// <summary>Letters, digits, '-', '_' and '.', not starting with '.', at most 100, not "all" nor only digits (a pm_id).</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 100 && name != "all" && name[0] != '.' && !name.All(char.IsAsciiDigit) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>A valid name made of <paramref name="text"/>: "API Server" is "API-Server", "web/v2" "web-v2".</summary>
    public static string SafeName(string text)
    {
        var name = NameOf(text);
        return name.All(char.IsAsciiDigit) ? "app-" + name : name == "all" ? "app-all" : name;
    }

    private static (string Script, string Command, string[] Args, string? Interpreter, string Name, string Cwd, bool IsFile)
        ResolveTarget(StartOptions o, string cwdBase)
    {
        // As PM2: a script is relative to the app's cwd, then (pbm) to where pbm start was typed.
        var path = Path.GetFullPath(o.Target, cwdBase);
        if (!File.Exists(path) && !Directory.Exists(path)) path = Path.GetFullPath(o.Target, o.CallerCwd);

        if (Directory.Exists(path))
        {
            var pkg = Path.Combine(path, "package.json");
            // node DIR runs DIR/index.js, as PM2 does with a directory as its script.
            if (!File.Exists(pkg) && File.Exists(Path.Combine(path, "index.js")))
                return (path, o.Interpreter ?? "node", [path], o.Interpreter ?? "node", NameOf(Path.GetFileName(path.TrimEnd('/'))), cwdBase, false);
            if (!File.Exists(pkg)) throw new PbmException($"{o.Target} is a directory without package.json or index.js");
            path = pkg;
        }
        if (File.Exists(path) && Path.GetFileName(path) == "package.json")
        {
            var (s, c, a, i, n, d) = FromPackageJson(path, o);
            return (s, c, a, i, n, d, true);
        }

        if (!File.Exists(path))
        {
            // "npm run start", "python3 -m http.server 8000": a command line, which PM2 runs with bash -c.
            if (o.Target.Any(char.IsWhiteSpace) && o.Target.Trim().Length > 0)
            {
                var shell = FindOnPath("bash", o.CallerEnv) is not null ? "bash" : "sh";
                if (o.Args.Count > 0) o.Warnings?.Add($"{o.Target}: args are ignored for a command line script (put them in the script), as PM2 does");
                return (o.Target, shell, ["-c", o.Target], null, NameOf(o.Target), cwdBase, false);
            }
            // Not a file: a bare command on PATH ("pbm start redis-server") is accepted, as PM2 does.
            if (!o.Target.Contains('/') && FindOnPath(o.Target, o.CallerEnv) is { } onPath)
                return (onPath, o.Target, [], null, NameOf(o.Target), cwdBase, false);
            if (o.Target == "serve")
                throw new PbmException("script 'serve' is PM2's built-in static file server, which pbm does not have: start one as an app (script: \"npx serve -l 8080 dist\")");
            throw new PbmException($"script not found: {o.Target}");
        }

        var name = NameOf(Path.GetFileNameWithoutExtension(path));
        var interpreter = o.Interpreter;
        if (interpreter is "none") interpreter = null;
        else if (interpreter is null && !Interpreters.TryGetValue(Path.GetExtension(path), out interpreter))
        {
            var executable = (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
            // PM2 runs any file whose extension names no interpreter with node unless it is a binary (bin/www):
            // pbm does too, except that an executable file runs as itself (its #! line is honoured).
            if (!executable)
            {
                if (IsBinary(path)) throw new PbmException($"{o.Target} is not executable and its extension names no interpreter (pass --interpreter)");
                interpreter = "node";
            }
        }
        if (interpreter is null) return (path, path, [], null, name, cwdBase, true);
        return (path, interpreter, [path], interpreter, name, cwdBase, true);
    }

    /// <summary>A default app name from a file or command: what the name rules allow of it.</summary>
    private static string NameOf(string text)
    {
        var chars = text.Trim().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        var name = new string(chars).Trim('-', '.');
        while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
        return name.Length == 0 ? "app" : name.Length > 100 ? name[..100] : name;
    }

    /// <summary>As PM2's isBinaryFile: a NUL byte, or many control bytes, in the first 512.</summary>
    private static bool IsBinary(string path)
    {
        Span<byte> head = stackalloc byte[512];
        int n;
        using (var f = File.OpenRead(path)) n = f.Read(head);
        var odd = 0;
        for (var i = 0; i < n; i++)
        {
            if (head[i] == 0) return true;
            if (head[i] < 7 || (head[i] > 13 && head[i] < 32)) odd++;
        }
        return n > 0 && odd * 10 > n;
    }

    /// <summary>
    /// PM2's cluster mode shares one port between a node app's instances; pbm's gateway does that. An app file
    /// that asks for cluster mode (exec_mode: cluster, or instances on a node app, from which PM2 infers it) and
    /// fixes PORT in its env gets that PORT as its gateway port: each instance listens on a private PORT behind it.
    /// </summary>
    private static int? ClusterPort(StartOptions o, Dictionary<string, string> overrides, string? interpreter)
    {
        var cluster = o.ExecMode == "cluster" || (o.ExecMode is null && o.InstancesGiven && interpreter == "node");
        // increment_var PORT gives each instance its own port (3000, 3001...), as PM2 does even in cluster mode.
        if (!cluster || o.IncrementVar == "PORT" || !overrides.TryGetValue("PORT", out var text)) return null;
        return int.TryParse(text, out var port) && port is >= 1 and <= 65535 ? port : null;
    }

    private static Dictionary<string, string> FilteredCallerEnv(StartOptions o)
    {
        if (o.FilterEnv is not { } filter) return new Dictionary<string, string>(o.CallerEnv);
        if (filter.Contains("*")) return [];
        return o.CallerEnv.Where(kv => !filter.Any(f => f.Length > 0 && kv.Key.Contains(f, StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    internal static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 200 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

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
