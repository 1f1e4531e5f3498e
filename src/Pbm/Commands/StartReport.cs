using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;

namespace Pbm.Cli.Commands;

/// <summary>
/// After a start, says which instances did not come up, rather than "started (4 instances)" while three of them
/// crash-loop. Instances with a readiness check have settled when the daemon answers; instances without one are
/// "online" as soon as they run, so the report first gives them a short run (as supervisord's startsecs does) to
/// see those that die at once: half a second, or longer when several instances of an app all get one fixed PORT
/// (no gateway port), which is how PM2's fork mode fails (EADDRINUSE once the first one listens).
/// </summary>
internal static class StartReport
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Long = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// Adds a warning per app whose instances are not up; returns how many such apps there are. The instances of
    /// <paramref name="results"/> are replaced by what the report saw, so the table printed next is the same story.
    /// </summary>
    /// <param name="since">When the command began: exits before it are old news.</param>
    public static async Task<int> CheckAsync(Context c, IReadOnlyList<AppSpec> specs, List<OperationResult> results, DateTimeOffset since)
    {
        var failing = 0;
        foreach (var spec in specs.Where(s => s.AutoStart))
        {
            var instances = results.SelectMany(r => r.Instances).Where(i => i.App == spec.Name).ToList();
            if (spec.Port is null && !ReadyChecks.UsesMessage(spec.Ready) && await WatchAsync(c, spec, SharesOnePort(spec) ? Long : Short, since) is { } seen)
            {
                instances = seen;
                for (var r = 0; r < results.Count; r++)
                    if (results[r].Instances.Any(i => i.App == spec.Name))
                        results[r] = results[r] with { Instances = [.. results[r].Instances.Select(i => i.App == spec.Name ? seen.FirstOrDefault(s => s.Index == i.Index) ?? i : i)] };
            }
            // A one-shot job that ran and exited 0 (or with a stop exit code) did what it was for.
            var down = instances.Where(i => i.Status is InstanceStatus.Errored or InstanceStatus.WaitingRestart
                || (i.LastExit is { } e && e.At >= since && e.Code != 0 && !spec.Restart.StopExitCodes.Contains(e.Code))).ToList();
            if (down.Count == 0) continue;
            failing++;
            var detail = Telling(down.Select(i => i.LastExit?.Detail).FirstOrDefault(d => d is not null));
            var what = $"{spec.Name}: {down.Count} of {instances.Count} instance{(instances.Count == 1 ? "" : "s")} exited at start" +
                       (detail is null ? "" : $" ({detail})");
            if (SharesOnePort(spec) && down.Any(i => i.LastExit?.Detail?.Contains("EADDRINUSE", StringComparison.Ordinal) == true))
                what += $"; every instance gets PORT={spec.Env["PORT"]}: use --port {spec.Env["PORT"]} (exec_mode: cluster in an app file) so pbm's " +
                        "gateway shares the port over the instances, or increment_var: PORT for a port each";
            else
                what += $"; pbm show {spec.Name} has the last lines it printed";
            c.Warnings.Add(what);
        }
        return failing;
    }

    /// <summary>The line of a crash's stderr that says what went wrong: the error, not Node's closing "Node.js v20.1.0" or a stack frame.</summary>
    private static string? Telling(string? detail)
    {
        var lines = (detail ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("at ", StringComparison.Ordinal) && !l.StartsWith("Node.js v", StringComparison.Ordinal) && l != "^").ToList();
        return lines.LastOrDefault(l => l.Contains("Error", StringComparison.Ordinal) || l.Contains("error", StringComparison.Ordinal)) ?? lines.LastOrDefault();
    }

    /// <summary>Several instances, no gateway port, and one fixed PORT for all of them.</summary>
    private static bool SharesOnePort(AppSpec spec) =>
        spec.Instances > 1 && spec.Port is null && spec.IncrementVar != "PORT" && spec.EnvOverrides.ContainsKey("PORT");

    /// <summary>Polls the app until an instance exited since the command began, or each has run <paramref name="run"/>.</summary>
    private static async Task<List<InstanceInfo>?> WatchAsync(Context c, AppSpec spec, TimeSpan run, DateTimeOffset since)
    {
        var watch = Stopwatch.StartNew();
        List<InstanceInfo>? last = null;
        while (watch.Elapsed < run * 2)
        {
            last = (await c.CallAsync(cl => cl.ShowAsync(spec.Name))).Instances.ToList();
            if (last.Any(i => i.LastExit?.At >= since || i.Status is InstanceStatus.Errored or InstanceStatus.WaitingRestart)) return last;
            if (last.All(i => i.Status != InstanceStatus.Online || (i.StartedAt is { } s && DateTimeOffset.UtcNow - s > run))) return last;
            await Task.Delay(50);
        }
        return last;
    }
}
