using Pbm.Client.Contracts;

namespace Pbm.Client.Specs;

/// <summary>
/// The one check of an app spec, whatever brought it in: the control API (start, restart --update-env, deploy), the
/// console's start form, the state file, a dump given to resurrect, the replicated state. JSON leaves any property
/// null or missing whatever the record declares, so the check first fills the defaults of the parts that have one
/// (restart, env, envOverrides, logs, args, ignoreWatch), then lists every problem, each naming its JSON field. A spec
/// that passes cannot make the daemon throw: nothing null where a value is needed, no NUL in what reaches the
/// kernel, a name that is a safe file name (logs and pid files are named after it).
/// </summary>
public static class SpecValidator
{
    /// <summary>Longest time (ms) a timeout or delay may be: a day. Longer is a typo, and near int.MaxValue timers overflow.</summary>
    public const int MaxMs = 86_400_000;

    /// <summary>
    /// <paramref name="spec"/> with its defaults filled in, and every problem of it ("field: what is wrong"); the
    /// spec is usable only when the list is empty. Null (a JSON body "null") is a problem, not an exception.
    /// </summary>
    public static IReadOnlyList<string> Check(AppSpec? spec, out AppSpec? normalized)
    {
        normalized = null;
        if (spec is null) return ["missing app spec"];
        var errors = new List<string>();
        normalized = Normalize(spec);
        var s = normalized;

        if (s.Name is null) errors.Add("name: missing");
        else if (AppSpecResolver.NameProblem(s.Name) is { } nameProblem) errors.Add($"name: {nameProblem}");
        Text(errors, "script", s.Script, required: true);
        if (Text(errors, "command", s.Command, required: true) && string.IsNullOrWhiteSpace(s.Command)) errors.Add("command: empty");
        List(errors, "args", s.Args);
        Text(errors, "interpreter", s.Interpreter);
        AbsolutePath(errors, "cwd", s.Cwd, required: true);
        Variables(errors, "env", s.Env);
        Variables(errors, "envOverrides", s.EnvOverrides);
        if (s.Instances is < 1 or > 1024) errors.Add($"instances: {s.Instances}: expected 1 to 1024");

        if (s.KillSignal is null) errors.Add("killSignal: null: expected a signal name such as SIGTERM");
        else if (Text(errors, "killSignal", s.KillSignal) && Signals.Normalize(s.KillSignal) is null) errors.Add($"killSignal: unknown signal '{Show(s.KillSignal)}'");
        Milliseconds(errors, "killTimeoutMs", s.KillTimeoutMs, min: 1);
        Milliseconds(errors, "listenTimeoutMs", s.ListenTimeoutMs, min: 1);
        if (s.Port is < 1 or > 65535) errors.Add($"port: {s.Port}: expected 1 to 65535");
        if (Text(errors, "ready", s.Ready) && ReadyChecks.Validate(s.Ready, s.Port is not null) is { } readyProblem) errors.Add($"ready: {readyProblem}");
        if (Text(errors, "route", s.Route) && s.Route is { } route && !route.StartsWith('/')) errors.Add($"route: '{Show(route)}' must start with /");
        Text(errors, "routeHost", s.RouteHost);
        if ((s.Route is not null || s.RouteHost is not null || s.Sticky) && s.Port is null) errors.Add("route, routeHost and sticky need a port");
        if (s.Hosts is not null) List(errors, "hosts", s.Hosts, nonEmpty: true);
        if (s.MaxPerHost is < 1) errors.Add($"maxPerHost: {s.MaxPerHost}: at least 1");
        if (s.MaxMemoryBytes is < 1024 * 1024) errors.Add($"maxMemoryBytes: {s.MaxMemoryBytes}: at least 1M (1048576)");
        Health(errors, s.Health, s.Port is not null);
        Autoscale(errors, s.Autoscale);
        if (s.MemoryLimitBytes is < MinMemoryLimit) errors.Add($"memoryLimitBytes: {s.MemoryLimitBytes}: at least 4M ({MinMemoryLimit})");
        if (s.CpuLimit is { } cpu && (double.IsNaN(cpu) || cpu < MinCpuLimit || cpu > 1024)) errors.Add($"cpuLimit: {cpu}: expected {MinCpuLimit} to 1024 cores");
        if (s.PidsLimit is < 1 or > 4_194_304) errors.Add($"pidsLimit: {s.PidsLimit}: expected 1 to 4194304");
        foreach (var (field, id) in new[] { ("user", s.User), ("group", s.Group) })
            if (Text(errors, field, id) && id is not null && UserNameProblem(id) is { } idProblem) errors.Add($"{field}: '{Show(id)}': {idProblem}");
        if (s.After is not null && List(errors, "after", s.After, nonEmpty: true))
        {
            foreach (var (dep, i) in s.After.Select((d, i) => (d, i)))
            {
                if (AppSpecResolver.NameProblem(dep) is not null) errors.Add($"after[{i}]: '{Show(dep)}' is not an app name");
                else if (dep == s.Name) errors.Add($"after[{i}]: an app cannot start after itself");
            }
            if (s.After.Distinct(StringComparer.Ordinal).Count() != s.After.Count) errors.Add("after: names an app twice");
        }
        if (s.RestartWith && s.After is not { Count: > 0 }) errors.Add("restartWith: needs after (the apps whose restart restarts this one)");

        Restart(errors, s.Restart);
        Logs(errors, s.Logs);

        AbsolutePath(errors, "source", s.Source);
        Text(errors, "envName", s.EnvName);
        AbsolutePath(errors, "pidFile", s.PidFile);
        if (s.Watch is not null && List(errors, "watch", s.Watch, nonEmpty: true))
            foreach (var (w, i) in s.Watch.Select((w, i) => (w, i)).Where(x => !Path.IsPathRooted(x.w))) errors.Add($"watch[{i}]: '{Show(w)}' must be absolute");
        List(errors, "ignoreWatch", s.IgnoreWatch);
        if (s.WatchDelayMs is { } delay) Milliseconds(errors, "watchDelayMs", delay, min: 0);
        if (Text(errors, "cronRestart", s.CronRestart) && s.CronRestart is { } cron && !CronSchedule.TryParse(cron, out _, out var cronError))
            errors.Add($"cronRestart: '{Show(cron)}': {cronError}");
        foreach (var (field, variable) in new[] { ("incrementVar", s.IncrementVar), ("instanceVar", s.InstanceVar) })
            if (variable is not null && !AppSpecResolver.IsVariableName(variable)) errors.Add($"{field}: '{Show(variable)}': expected a variable name such as PORT");
        return errors;
    }

    /// <summary>Smallest --memory-limit: below a few MB no runtime starts, and the kernel's OOM killer would loop.</summary>
    public const long MinMemoryLimit = 4 * 1024 * 1024;

    /// <summary>Smallest --cpu-limit: 1 ms of CPU per 100 ms period, the finest quota the kernel takes.</summary>
    public const double MinCpuLimit = 0.01;

    /// <summary>
    /// Null when <paramref name="id"/> may name a user or group (a number, or a name as useradd takes it: a letter or
    /// '_' first, then letters, digits, '_', '-', '.', at most 32); else why not. Whether it exists is the host's to say.
    /// </summary>
    public static string? UserNameProblem(string id)
    {
        if (id.Length == 0) return "empty";
        if (id.All(char.IsAsciiDigit)) return id.Length <= 10 && uint.TryParse(id, out _) ? null : "not a valid id";
        if (id.Length > 32) return "longer than 32 characters";
        if (!(char.IsAsciiLetter(id[0]) || id[0] == '_')) return "must start with a letter or _";
        return id.Skip(1).All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? null : "may hold only letters, digits, '_', '-' and '.'";
    }

    private static void Autoscale(List<string> errors, AutoscaleSpec? a)
    {
        if (a is null) return;
        if (a.Min < 1 || a.Max > 1024 || a.Min > a.Max) errors.Add($"autoscale: {a.Min}..{a.Max}: expected MIN..MAX with 1 <= MIN <= MAX <= 1024");
        if (a.TargetConcurrency is null && a.TargetCpu is null && a.TargetLatencyMs is null)
            errors.Add("autoscale: no target: give --target-concurrency, --target-cpu or --target-latency");
        Between(errors, "autoscale.targetConcurrency", a.TargetConcurrency, 0.1, 100_000);
        Between(errors, "autoscale.targetCpu", a.TargetCpu, 1, 100 * 1024);
        Between(errors, "autoscale.targetLatencyMs", a.TargetLatencyMs, 1, 600_000);
        Milliseconds(errors, "autoscale.cooldownMs", a.CooldownMs, min: 1000);
    }

    private static void Between(List<string> errors, string field, double? value, double min, double max)
    {
        if (value is { } v && (double.IsNaN(v) || v < min || v > max)) errors.Add($"{field}: {v}: expected {min} to {max}");
    }

    private static void Health(List<string> errors, HealthCheckSpec? h, bool hasPort)
    {
        if (h is null) return;
        if (h.Check is null) errors.Add("health.check: missing");
        else if (Text(errors, "health.check", h.Check) && HealthChecks.Validate(h.Check, hasPort) is { } problem) errors.Add($"health.check: {problem}");
        Milliseconds(errors, "health.intervalMs", h.IntervalMs, min: 100);
        Milliseconds(errors, "health.timeoutMs", h.TimeoutMs, min: 10);
        if (h.Failures is < 1 or > 100) errors.Add($"health.failures: {h.Failures}: expected 1 to 100");
    }

    /// <summary>The spec with the defaults of every part left null by a JSON document (see <see cref="Check"/>).</summary>
    public static AppSpec Normalize(AppSpec spec)
    {
        var restart = spec.Restart ?? new RestartPolicySpec();
        var logs = spec.Logs ?? new LogSpec();
        return spec with
        {
            Args = spec.Args ?? [],
            Env = spec.Env ?? new Dictionary<string, string>(),
            EnvOverrides = spec.EnvOverrides ?? new Dictionary<string, string>(),
            Restart = restart.StopExitCodes is null ? restart with { StopExitCodes = [] } : restart,
            Logs = logs.Format is null ? logs with { Format = LogFormats.Text } : logs,
            IgnoreWatch = spec.IgnoreWatch ?? [],
        };
    }

    /// <summary>A value as an error message may quote it: control characters escaped, at most 80 characters.</summary>
    public static string Show(string value)
    {
        var shown = string.Concat(value.Take(80).Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
        return value.Length > 80 ? shown + "..." : shown;
    }

    private static void Restart(List<string> errors, RestartPolicySpec r)
    {
        if (r.MinUptimeMs is { } minUptime) Milliseconds(errors, "restart.minUptimeMs", minUptime, min: 0);
        if (r.MaxRestarts is < 0) errors.Add($"restart.maxRestarts: {r.MaxRestarts}: 0 or more");
        if (r.RestartDelayMs is { } delay) Milliseconds(errors, "restart.restartDelayMs", delay, min: 0);
    }

    private static void Logs(List<string> errors, LogSpec l)
    {
        if (l.Format is not (LogFormats.Text or LogFormats.Json)) errors.Add($"logs.format: '{Show(l.Format)}': expected text or json");
        if (l.MaxBytes is < 1024) errors.Add($"logs.maxBytes: {l.MaxBytes}: at least 1K (1024)");
        if (l.MaxFiles is < 1 or > 1000) errors.Add($"logs.maxFiles: {l.MaxFiles}: expected 1 to 1000");
        foreach (var (field, file) in new[] { ("logs.outFile", l.OutFile), ("logs.errFile", l.ErrFile) })
            AbsolutePath(errors, field, file);
        // Relative: a file name in the daemon's log folder, never a path out of it.
        if (Text(errors, "logs.combinedFile", l.CombinedFile) && l.CombinedFile is { } combined && !Path.IsPathRooted(combined) &&
            (combined.Contains('/') || combined is "" or "." or ".."))
            errors.Add($"logs.combinedFile: '{Show(combined)}': an absolute path, or a file name in the daemon's log folder");
        if (Text(errors, "logs.dateFormat", l.DateFormat) && l.DateFormat is { } format)
        {
            try
            {
                DayjsFormat.Parse(format);
            }
            catch (PbmException e)
            {
                errors.Add($"logs.dateFormat: {e.Message.Replace("--log-date-format", "", StringComparison.Ordinal).TrimStart(':', ' ')}");
            }
        }
    }

    /// <summary>False (and a problem listed) when <paramref name="value"/> is required and null, or holds a NUL or a line break.</summary>
    private static bool Text(List<string> errors, string field, string? value, bool required = false)
    {
        if (value is null)
        {
            if (required) errors.Add($"{field}: missing");
            return !required;
        }
        if (value.Contains('\0'))
        {
            errors.Add($"{field}: '{Show(value)}' holds a NUL character");
            return false;
        }
        return true;
    }

    private static void AbsolutePath(List<string> errors, string field, string? path, bool required = false)
    {
        if (!Text(errors, field, path, required) || path is null) return;
        if (!Path.IsPathRooted(path)) errors.Add($"{field}: '{Show(path)}' must be an absolute path");
    }

    private static bool List(List<string> errors, string field, IReadOnlyList<string> items, bool nonEmpty = false)
    {
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null) errors.Add($"{field}[{i}]: null");
            else if (nonEmpty && items[i].Length == 0) errors.Add($"{field}[{i}]: empty");
            else if (Text(errors, $"{field}[{i}]", items[i])) continue;
            ok = false;
        }
        return ok;
    }

    private static void Variables(List<string> errors, string field, IReadOnlyDictionary<string, string> variables)
    {
        foreach (var (name, value) in variables)
        {
            if (name.Length == 0 || name.Contains('=') || name.Contains('\0')) errors.Add($"{field}: '{Show(name)}' is not a variable name (empty, or holds = or NUL)");
            else if (value is null) errors.Add($"{field}.{Show(name)}: null: expected a string");
            else Text(errors, $"{field}.{Show(name)}", value);
        }
    }

    private static void Milliseconds(List<string> errors, string field, int value, int min)
    {
        if (value < min || value > MaxMs) errors.Add($"{field}: {value}: expected {min} to {MaxMs} (a day)");
    }
}
