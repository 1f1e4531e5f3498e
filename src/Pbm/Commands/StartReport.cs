using System.Diagnostics;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Commands;

/// <summary>
/// After a start, says which instances did not come up, rather than "started (4 instances)" while three of them
/// crash-loop. Instances with a readiness check have settled when the daemon answers; instances without one are
/// "online" as soon as they run, so when several instances of an app all get one fixed PORT (no gateway port),
/// which is how PM2's fork mode fails, the report first waits out a short run to see them fail.
/// </summary>
internal static class StartReport
{
    private static readonly TimeSpan Watch = TimeSpan.FromMilliseconds(1500);

    /// <summary>Adds a warning per app whose instances are not up; returns how many such apps there are.</summary>
    /// <param name="since">When the command began: exits before it are old news.</param>
    public static async Task<int> CheckAsync(Context c, IReadOnlyList<AppSpec> specs, IReadOnlyList<OperationResult> results, DateTimeOffset since)
    {
        var failing = 0;
        foreach (var spec in specs.Where(s => s.AutoStart))
        {
            var instances = results.SelectMany(r => r.Instances).Where(i => i.App == spec.Name).ToList();
            if (SharesOnePort(spec)) instances = await WatchAsync(c, spec) ?? instances;
            var down = instances.Where(i => i.Status is InstanceStatus.Errored or InstanceStatus.WaitingRestart || i.LastExit?.At >= since).ToList();
            if (down.Count == 0) continue;
            failing++;
            var detail = down.Select(i => i.LastExit?.Detail).FirstOrDefault(d => d is not null)?.Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim();
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

    /// <summary>Several instances, no gateway port, and one fixed PORT for all of them.</summary>
    private static bool SharesOnePort(AppSpec spec) =>
        spec.Instances > 1 && spec.Port is null && spec.IncrementVar != "PORT" && spec.EnvOverrides.ContainsKey("PORT");

    private static async Task<List<InstanceInfo>?> WatchAsync(Context c, AppSpec spec)
    {
        var watch = Stopwatch.StartNew();
        List<InstanceInfo>? last = null;
        while (watch.Elapsed < Watch * 2)
        {
            last = (await c.CallAsync(cl => cl.ShowAsync(spec.Name))).Instances.ToList();
            if (last.Any(i => i.Restarts > 0 || i.Status is InstanceStatus.Errored or InstanceStatus.WaitingRestart)) return last;
            if (last.All(i => i.Status == InstanceStatus.Online && i.StartedAt is { } s && DateTimeOffset.UtcNow - s > Watch)) return last;
            await Task.Delay(100);
        }
        return last;
    }
}
