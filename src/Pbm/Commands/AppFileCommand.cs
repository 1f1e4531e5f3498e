using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Cli.Output;
using Pbm.Client;
using Pbm.Client.AppFiles;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;

namespace Pbm.Cli.Commands;

/// <summary>
/// Commands given an app file instead of an app (PM2's habit): <c>pbm start|restart|reload|stop|delete FILE</c>,
/// <c>startOrRestart</c>, <c>startOrReload</c>. Each acts on the file's apps, as PM2 does: start and restart restart
/// the apps that exist with the file as it is now (re-read, environment updated) and start the others; reload rolls
/// the new spec out without downtime; stop and delete act on the apps of the file that exist.
/// </summary>
internal static class AppFileCommand
{
    /// <summary>Options that apply to every app of an app file; the rest belong in the file.</summary>
    private static readonly HashSet<string> FileOptions = ["env", "only", "json", "endpoint", "token", "update-env", "parallel"];

    /// <summary>True when <paramref name="target"/> is an app file on disk (so a command acts on its apps).</summary>
    public static bool IsFile(string target, out string path)
    {
        path = Path.GetFullPath(target);
        return File.Exists(path) && AppFile.IsAppFile(path);
    }

    /// <param name="verb">start, restart, reload, stop or delete.</param>
    public static async Task<int> RunAsync(Context c, string path, string verb)
    {
        var extra = c.Args.Options.Keys.FirstOrDefault(k => !FileOptions.Contains(k));
        if (extra is not null)
            throw new UsageException($"--{extra} does not apply to an app file: set it in {Path.GetFileName(path)} (only --env and --only apply to every app)");
        if (c.Args.Rest.Count > 0) throw new UsageException("app arguments after -- do not apply to an app file: set args in the file");
        var (vars, envName) = StartCommand.SplitEnv(c.Args.Values("env"));
        var only = c.Args.Value("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var (specs, failures) = StartCommand.ResolveFile(path, envName, vars, StartCommand.CallerEnv(), c.Warnings);
        // --after: each app after the apps of the file it names (a cycle fails the file before anything starts); the
        // daemon holds each start until those apps are ready, so the next one is sent once this one's answer is in.
        try
        {
            specs = StartOrder.Sort(specs);
        }
        catch (PbmException e)
        {
            throw new PbmException($"{path}: {e.Message}");
        }
        if (only is not null)
        {
            foreach (var name in only.Where(n => specs.All(s => s.Name != n) && failures.All(f => !f.Contains($"({n})", StringComparison.Ordinal))))
                throw new PbmException($"--only {name}: {path} has no app named {name} (it has {string.Join(", ", specs.Select(s => s.Name))})");
            specs = specs.Where(s => only.Contains(s.Name)).ToList();
            failures = failures.Where(f => only.Any(n => f.Contains($"({n})", StringComparison.Ordinal))).ToList();
        }
        // Stop and delete act on apps by name: an app whose script is gone can still be stopped.
        if (verb is "stop" or "delete") failures.Clear();

        var since = DateTimeOffset.UtcNow;
        var known = (await c.CallAsync(cl => cl.ListAsync())).Apps.ToDictionary(a => a.Spec.Name, a => a.Running, StringComparer.Ordinal);
        var results = failures.Select(f => new OperationResult("error: " + f, [])).ToList();
        var failed = failures.Count;
        foreach (var spec in specs)
        {
            try
            {
                results.Add(await ActAsync(c, verb, spec, known.TryGetValue(spec.Name, out var running) ? running : null));
            }
            catch (PbmException e) when (e.StatusCode is not null)
            {
                failed++;
                results.Add(new OperationResult($"error: {spec.Name}: {e.Message}", []));
            }
        }
        failed += await StartReport.CheckAsync(c, specs.Where(s => verb is "start" or "restart" or "reload" && results.Any(r => r.Instances.Any(i => i.App == s.Name))).ToList(), results, since);
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

    /// <param name="running">Whether the app exists and runs (null: it does not exist).</param>
    private static Task<OperationResult> ActAsync(Context c, string verb, AppSpec spec, bool? running) => (verb, running) switch
    {
        // A reload rolls the new spec over running instances; a stopped app is started with it, as a restart does.
        ("reload", true) => c.CallAsync(cl => cl.DeployAsync(spec.Name, spec, Handlers.ParallelOf(c))),
        ("start" or "restart" or "reload", not null) => c.CallAsync(cl => cl.RestartAsync(spec.Name, spec)),
        ("start" or "restart" or "reload", null) => c.CallAsync(cl => cl.StartAsync(spec)),
        ("stop", not null) => c.CallAsync(cl => cl.StopAsync(spec.Name)),
        ("delete", not null) => c.CallAsync(cl => cl.DeleteAsync(spec.Name)),
        _ => Task.FromResult(new OperationResult($"{spec.Name}: not started (nothing to {verb})", [])),
    };
}
