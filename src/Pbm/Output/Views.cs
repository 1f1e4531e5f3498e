using System.Text;
using System.Globalization;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;

namespace Pbm.Cli.Output;

/// <summary>How the CLI prints lists and apps for people.</summary>
internal static class Views
{
    public static string Instances(IEnumerable<InstanceInfo> instances)
    {
        var now = DateTimeOffset.UtcNow;
        var table = new Table("#", "ID", "APP", "HOST", "PID", "STATUS", "UPTIME", "RESTARTS", "CPU", "MEM");
        foreach (var i in instances)
        {
            table.Add(i.PmId?.ToString(CultureInfo.InvariantCulture) ?? "-", Term.Bold(i.Id), i.App, i.Host, i.Pid?.ToString() ?? "-", Term.Status(i.Status),
                i.StartedAt is { } s ? Term.Duration(now - s) : "-", i.Restarts.ToString(), Cpu(i.Cpu), Mem(i.Memory));
        }
        return table.Render();
    }

    public static string Cpu(double? cpu) => cpu is { } c ? c.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    public static string Mem(long? bytes) => bytes is { } b ? ByteSize.Format(b) : "-";

    public static string Host(HostStats h) =>
        $"{h.Node}: cpu {h.Cpu.ToString("0.0", CultureInfo.InvariantCulture)}% of {h.Cores} cores, memory {ByteSize.Format(h.MemoryTotal - h.MemoryAvailable)} used of {ByteSize.Format(h.MemoryTotal)}, load {h.Load1.ToString("0.00", CultureInfo.InvariantCulture)} {h.Load5.ToString("0.00", CultureInfo.InvariantCulture)} {h.Load15.ToString("0.00", CultureInfo.InvariantCulture)}";

    public static string App(AppInfo app)
    {
        var s = app.Spec;
        var sb = new StringBuilder();
        sb.Append(Term.Bold(s.Name)).Append(app.Running ? "" : Term.Dim("  (stopped)")).Append('\n');
        void Row(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value)) sb.Append("  ").Append(Term.Dim(key.PadRight(KeyWidth))).Append(value).Append('\n');
        }
        Row("script", s.Script);
        Row("command", string.Join(' ', new[] { s.Command }.Concat(s.Args.Select(Quote))));
        Row("interpreter", s.Interpreter);
        Row("cwd", s.Cwd);
        Row("instances", s.Instances.ToString() + (s.Autoscale is { } au ? $" (autoscaled {au.Min}..{au.Max}: {Pbm.Client.Specs.Autoscaling.Describe(au)})" : ""));
        if (app.Autoscale is { } scaling)
        {
            if (scaling.MeasuredAt is not null)
                Row("load", string.Join(", ", new[]
                {
                    scaling.Concurrency is { } c ? $"{c.ToString("0.#", CultureInfo.InvariantCulture)} in flight" : null,
                    scaling.P90Ms is { } p ? $"p90 {p.ToString("0", CultureInfo.InvariantCulture)} ms" : null,
                    scaling.CpuPercent is { } u ? $"cpu {u.ToString("0", CultureInfo.InvariantCulture)}% per instance" : null,
                    scaling.Wanted is { } w ? $"asks for {w}" : null,
                }.Where(x => x is not null).DefaultIfEmpty("no traffic measured yet")));
            foreach (var d in scaling.Decisions.TakeLast(5))
                Row("scaled", $"{d.At.ToLocalTime():HH:mm:ss} {d.From} -> {d.To}: {d.Reason}");
        }
        Row("version", s.Version.ToString());
        Row("autorestart", s.Restart.AutoRestart ? "yes" : "no");
        Row("max-restarts", s.Restart.MaxRestarts?.ToString() ?? "default (16)");
        Row("min-uptime", s.Restart.MinUptimeMs is { } mu ? Term.Ms(mu) : "default (1 s)");
        if (s.Restart.RestartDelayMs is { } rd) Row("restart-delay", Term.Ms(rd));
        if (s.Restart.StopExitCodes.Count > 0) Row("stop-exit-codes", string.Join(',', s.Restart.StopExitCodes));
        Row("kill", $"{s.KillSignal}, SIGKILL after {Term.Ms(s.KillTimeoutMs)}");
        if (s.Port is { } port)
        {
            Row("gateway", $"port {port}{(s.Route is null ? "" : " path " + s.Route)}{(s.RouteHost is null ? "" : " host " + s.RouteHost)}{(s.Sticky ? ", sticky" : "")}");
            Row("ready", $"{s.Ready ?? "tcp"} within {Term.Ms(s.ListenTimeoutMs)}");
        }
        if (s.Source is not null) Row("app file", s.Source + (s.EnvName is null ? "" : $" (env_{s.EnvName})"));
        if (s.Watch is { Count: > 0 } watch)
            Row("watch", string.Join(", ", watch) + (s.IgnoreWatch.Count > 0 ? $" (ignoring {string.Join(", ", s.IgnoreWatch)})" : "") + (s.Port is null ? ": restart" : ": reload"));
        if (s.CronRestart is not null) Row("cron-restart", s.CronRestart);
        if (s.PidFile is not null) Row("pid-file", s.PidFile);
        if (app.PreviousVersion is { } prev) Row("rollback to", $"v{prev}");
        if (app.Rollout is { } r)
            Row("rollout", $"{r.Kind} v{r.FromVersion} -> v{r.ToVersion}: {(r.State == "halted" ? Term.Red("halted") : r.State)}, {r.Replaced}/{r.Total} replaced" +
                           (r.Reason is null ? "" : $"\n{new string(' ', KeyWidth + 2)}{r.Reason}"));
        if (s.MaxMemoryBytes is { } mm) Row("max-memory", ByteSize.Format(mm));
        if (s.Health is { } hc) Row("health", $"{hc.Check} every {Term.Ms(hc.IntervalMs)}, timeout {Term.Ms(hc.TimeoutMs)}, restart after {hc.Failures} failures");
        if (s.MemoryLimitBytes is not null || s.CpuLimit is not null || s.PidsLimit is not null)
            Row("limits", string.Join(", ", new[]
            {
                s.MemoryLimitBytes is { } ml ? $"memory {ByteSize.Format(ml)}" : null,
                s.CpuLimit is { } cl ? $"cpu {cl.ToString("0.##", CultureInfo.InvariantCulture)} core{(cl == 1 ? "" : "s")}" : null,
                s.PidsLimit is { } pl ? $"pids {pl}" : null,
            }.Where(x => x is not null)) + " (cgroup)");
        if (s.User is not null || s.Group is not null) Row("user", $"{s.User ?? "(daemon's)"}{(s.Group is null ? "" : ":" + s.Group)}");
        if (s.After is { Count: > 0 } after) Row("after", string.Join(", ", after) + (s.RestartWith ? " (restarted with them)" : ""));
        Row("logs", $"{s.Logs.Format}{(s.Logs.Time ? ", timestamped" : ", no time")}, rotated at {(s.Logs.MaxBytes is { } lb ? ByteSize.Format(lb) : "default (10 MB)")} x {(s.Logs.MaxFiles is { } lf ? lf.ToString() : "default (5)")} files");
        foreach (var h in app.Hosts) Row("host", Host(h));
        sb.Append('\n').Append(Instances(app.Instances));
        foreach (var i in app.Instances)
        {
            sb.Append('\n').Append(Term.Bold(i.Id)).Append(' ').Append(Term.Status(i.Status));
            if (i.Pid is { } pid) sb.Append("  pid ").Append(pid);
            if (i.Cpu is not null || i.Memory is not null)
                sb.Append("  cpu ").Append(Cpu(i.Cpu)).Append("  mem ").Append(Mem(i.Memory)).Append(i.Processes is { } np ? $" ({np} process{(np == 1 ? "" : "es")})" : "");
            sb.Append('\n');
            if (i.LogError is not null) sb.Append("  logs       ").Append(Term.Red(i.LogError)).Append('\n');
            if (i.LogDropped > 0) sb.Append("  logs       ").Append(Term.Yellow($"{i.LogDropped} lines dropped (not written to the log files)")).Append('\n');
            if (i.Reason is not null) sb.Append("  reason     ").Append(i.Reason).Append('\n');
            if (i.NextStartAt is { } next) sb.Append("  next start ").Append($"in {Term.Ms((long)Math.Max(0, (next - DateTimeOffset.UtcNow).TotalMilliseconds))}").Append('\n');
            if (i.LastExit is { } e)
            {
                sb.Append("  last exit  code ").Append(e.Code);
                if (e.Signal is not null) sb.Append(" (").Append(e.Signal).Append(')');
                sb.Append(" at ").Append(e.At.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss")).Append(", after ").Append(Term.Ms(e.UptimeMs)).Append('\n');
                if (e.Detail is not null)
                    foreach (var line in e.Detail.Split('\n')) sb.Append("  ").Append(Term.Dim("| ")).Append(line).Append('\n');
            }
            if (i.Events.Count > 0)
            {
                sb.Append("  events").Append('\n');
                foreach (var ev in i.Events)
                    sb.Append("    ").Append(Term.Dim(ev.At.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture))).Append(' ').Append(ev.Text).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>The widest key ("stop-exit-codes") and a space.</summary>
    private const int KeyWidth = 17;

    private static string Quote(string arg) => arg.Length == 0 || arg.Any(char.IsWhiteSpace) ? $"'{arg}'" : arg;
}
