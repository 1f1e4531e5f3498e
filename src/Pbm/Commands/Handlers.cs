using System.Collections;
using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Cli.Output;
using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;

namespace Pbm.Cli.Commands;

/// <summary>One method per command: call the API, print for people or (--json) for scripts.</summary>
internal static class Handlers
{
    public static async Task<int> RunAsync(Context c)
    {
        await Targets.ResolveAsync(c);
        return await Dispatch(c);
    }

    private static Task<int> Dispatch(Context c) => c.Args.Command switch
    {
        "start" => StartCommand.RunAsync(c),
        "list" or "ls" or "status" => ListAsync(c),
        "jlist" or "prettylist" => Pm2ListAsync(c),
        "show" or "describe" => ShowAsync(c),
        "stop" => OperateAsync(c, "stop", (cl, t) => cl.StopAsync(t)),
        "restart" when IsFileTarget(c) => OperateAsync(c, "restart", (cl, t) => cl.RestartAsync(t)),
        "restart" => c.Args.Has("update-env") || c.Args.Has("env") ? UpdateEnvCommand.RunAsync(c) : OperateAsync(c, "restart", (cl, t) => cl.RestartAsync(t)),
        "delete" or "del" => OperateAsync(c, "delete", (cl, t) => cl.DeleteAsync(t)),
        "reset" => OperateAsync(c, "reset", (cl, t) => cl.ResetAsync(t)),
        "sendSignal" => SignalAsync(c),
        "startOrRestart" => FileOnlyAsync(c, "startOrRestart", "start"),
        "startOrReload" => FileOnlyAsync(c, "startOrReload", "reload"),
        "unstartup" => Task.FromResult(StartupCommand.Remove(c)),
        "scale" => ScaleAsync(c),
        "reload" => RollAsync(c, "reload"),
        "rollback" => RollAsync(c, "rollback"),
        "deploy" => DeployAsync(c),
        "disconnect" => OperateAsync(c, "disconnect", (cl, t) => cl.DisconnectAsync(t)),
        "logs" => LogsCommand.RunAsync(c),
        "flush" => FlushAsync(c),
        "monit" => Monit.RunAsync(c),
        "ping" => PingAsync(c),
        "kill" => KillAsync(c),
        "save" => DumpAsync(c, save: true),
        "resurrect" => DumpAsync(c, save: false),
        "daemon" => DaemonAsync(c),
        "cluster" => ClusterCommands.RunAsync(c),
        "hosts" => ClusterCommands.HostsAsync(c),
        "console" => ConsoleCommand.RunAsync(c),
        "actor" => ClusterCommands.ActorsAsync(c),
        "env" => EnvCommand.RunAsync(c),
        "pid" => PidCommand.RunAsync(c),
        "startup" => Task.FromResult(StartupCommand.Run(c)),
        "completion" => Task.FromResult(CompletionCommand.Run(c)),
        "__complete" => CompletionCommand.CompleteAsync(c),
        "palettes" => PaletteCommand.ListAsync(c),
        "events" => EventsAsync(c),
        "install" => Task.FromResult(InstallCommand.Install(c)),
        "uninstall" => Task.FromResult(InstallCommand.Uninstall(c)),
        "version" => Task.FromResult(Version()),
        _ => throw new UsageException($"unknown command '{c.Args.Command}'"),
    };

    private static int Version()
    {
        Console.Out.WriteLine($"pbm {typeof(Handlers).Assembly.GetName().Version?.ToString(3)}");
        return 0;
    }


    private static async Task<int> EventsAsync(Context c)
    {
        NoPositionals(c);
        await c.CallAsync(cl => cl.PingAsync());
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        try
        {
            await foreach (var e in c.Client.EventsAsync(cts.Token))
                Console.Out.WriteLine(c.Json ? JsonSerializer.Serialize(e, PbmJsonContext.Default.PbmEvent) : $"{e.At.ToLocalTime():HH:mm:ss.fff} {e.Kind,-8} {e.Text}");
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        return 0;
    }

    private static async Task<int> Pm2ListAsync(Context c)
    {
        NoPositionals(c);
        var list = await c.CallAsync(cl => cl.ListAsync());
        Console.Out.WriteLine(Pm2List.Render(list, indented: c.Args.Command == "prettylist"));
        return 0;
    }

    private static bool IsFileTarget(Context c) => c.Args.Positionals.Count == 1 && AppFileCommand.IsFile(c.Args.Positionals[0], out _);

    /// <summary>startOrRestart / startOrReload: PM2 takes an app file there, and so does pbm.</summary>
    private static Task<int> FileOnlyAsync(Context c, string command, string verb)
    {
        var target = OneTarget(c, command);
        if (!AppFileCommand.IsFile(target, out var file))
            throw new UsageException(File.Exists(target)
                ? $"pbm {command} takes an app file (ecosystem.config.js, .json, .yml, .hocon); {target} is a script: pbm start {target}"
                : $"pbm {command}: no app file at {target}");
        return AppFileCommand.RunAsync(c, file, verb);
    }

    private static async Task<int> SignalAsync(Context c)
    {
        if (c.Args.Positionals.Count != 2) throw new UsageException("usage: pbm sendSignal <SIGNAL> <app|app:N|#|all>");
        var signal = Signals.Normalize(c.Args.Positionals[0]) ?? throw new UsageException($"unknown signal '{c.Args.Positionals[0]}' (SIGUSR2, SIGHUP, ...)");
        var result = await c.CallAsync(cl => cl.SignalAsync(c.Args.Positionals[1], signal));
        return Print(c, result);
    }

    private static async Task<int> ListAsync(Context c)
    {
        NoPositionals(c);
        var list = await c.CallAsync(cl => cl.ListAsync());
        c.Warnings.AddRange((list.Warnings ?? []).Where(w => !c.Warnings.Contains(w)));
        if (c.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(list, PbmJsonContext.Indented.ListResult));
            return 0;
        }
        var instances = list.Apps.SelectMany(x => x.Instances).ToList();
        c.Warnings.AddRange(instances.Where(i => i.LogError is not null).Select(i => $"{i.Id}: {i.LogError}").Where(w => !c.Warnings.Contains(w)));
        if (list.Apps.Count == 0) Console.Out.WriteLine("no apps (pbm start <script> starts one)");
        else Console.Out.Write(Views.Instances(instances));
        return 0;
    }

    private static async Task<int> ShowAsync(Context c)
    {
        var target = OneTarget(c, "show");
        var app = await c.CallAsync(cl => cl.ShowAsync(target));
        if (c.Json) Console.Out.WriteLine(JsonSerializer.Serialize(app, PbmJsonContext.Indented.AppInfo));
        else Console.Out.Write(Views.App(app));
        return 0;
    }

    private static async Task<int> OperateAsync(Context c, string verb, Func<PbmClient, string, Task<OperationResult>> call)
    {
        var target = OneTarget(c, verb);
        if (verb is "stop" or "restart" or "delete" && AppFileCommand.IsFile(target, out var file)) return await AppFileCommand.RunAsync(c, file, verb);
        if (c.Args.Has("only")) throw new UsageException("--only applies to app files (pbm " + verb + " ecosystem.config.js --only web)");
        var result = await c.CallAsync(cl => call(cl, target));
        return Print(c, result);
    }

    private static async Task<int> FlushAsync(Context c)
    {
        if (c.Args.Positionals.Count > 1) throw new UsageException("usage: pbm flush [app|app:N]");
        var target = c.Args.Positionals.FirstOrDefault();
        var result = await c.CallAsync(cl => cl.FlushAsync(target));
        return Print(c, result);
    }

    private static async Task<int> ScaleAsync(Context c)
    {
        if (c.Args.Positionals.Count != 2) throw new UsageException("usage: pbm scale <app> <N|+N|-N|MIN..MAX> [--target-concurrency N]");
        var count = c.Args.Positionals[1];
        var autoscale = AutoscaleOf(c, count);
        var result = await c.CallAsync(cl => cl.ScaleAsync(c.Args.Positionals[0], count, autoscale));
        return Print(c, result);
    }

    /// <summary>The targets of pbm scale APP MIN..MAX (null: none given, the app's own are kept); refused with a plain count.</summary>
    private static AutoscaleSpec? AutoscaleOf(Context c, string count)
    {
        string[] flags = ["target-concurrency", "target-cpu", "target-latency", "scale-cooldown"];
        var given = flags.Where(c.Args.Has).ToList();
        if (Pbm.Client.Specs.Autoscaling.Range(count) is not { } range)
            return given.Count == 0 ? null : throw new UsageException($"--{given[0]} needs a range: pbm scale APP MIN..MAX --{given[0]} ...");
        if (range.Min < 0) throw new UsageException($"scale {count}: expected MIN..MAX, two whole numbers (2..8)");
        if (given.Count == 0) return null;
        double? Number(string flag, string unit)
        {
            if (c.Args.Value(flag) is not { } text) return null;
            var trimmed = unit.Length > 0 && text.EndsWith(unit, StringComparison.Ordinal) ? text[..^unit.Length] : text;
            return double.TryParse(trimmed, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v)
                ? v : throw new UsageException($"--{flag} {text}: expected a positive number{(unit.Length > 0 ? $" (70{unit})" : "")}");
        }
        return new AutoscaleSpec
        {
            TargetConcurrency = Number("target-concurrency", ""),
            TargetCpu = Number("target-cpu", "%"),
            TargetLatencyMs = c.Args.DurationMs("target-latency") is { } ms ? (ms > 0 ? ms : throw new UsageException("--target-latency: more than 0")) : null,
            CooldownMs = c.Args.DurationMs("scale-cooldown") ?? 30_000,
        };
    }

    internal static int ParallelOf(Context c) =>
        c.Args.Int("parallel") is { } p ? (p >= 1 ? p : throw new UsageException("--parallel must be at least 1")) : 1;

    private static async Task<int> RollAsync(Context c, string verb)
    {
        var app = OneTarget(c, verb);
        if (verb == "reload" && AppFileCommand.IsFile(app, out var file)) return await AppFileCommand.RunAsync(c, file, "reload");
        var parallel = ParallelOf(c);
        if (app == "all")
        {
            // PM2's reload all: each app in turn, so that never more than --parallel instances of any app are down.
            var names = (await c.CallAsync(cl => cl.ListAsync())).Apps.Where(a => a.Running).Select(a => a.Spec.Name).ToList();
            if (names.Count == 0) return Print(c, new OperationResult("no running apps to reload", []));
            var code = 0;
            foreach (var name in names)
            {
                try
                {
                    code = Math.Max(code, Print(c, await c.CallAsync(cl => cl.ReloadAsync(name, parallel))));
                }
                catch (PbmException e) when (e.StatusCode is not null)
                {
                    await Console.Error.WriteLineAsync($"error: {name}: {e.Message}");
                    code = 1;
                }
            }
            return code;
        }
        if (!c.Json && !Console.IsErrorRedirected) await Console.Error.WriteLineAsync($"[pbm] {verb} of {app}: replacing instances {parallel} at a time...");
        var result = await c.CallAsync(cl => verb == "reload" ? cl.ReloadAsync(app, parallel) : cl.RollbackAsync(app, parallel));
        return Print(c, result);
    }

    private static async Task<int> DeployAsync(Context c)
    {
        var app = OneTarget(c, "deploy");
        var path = c.Args.Value("path") ?? throw new UsageException("missing --path DIR: the directory of the new version");
        var dir = Path.GetFullPath(path);
        if (!Directory.Exists(dir)) throw new PbmException($"--path {path}: no such directory");
        var parallel = ParallelOf(c);
        var current = (await c.CallAsync(cl => cl.ShowAsync(app))).Spec;
        // The new version is the same app from another directory: paths under the old cwd move to the new one.
        var spec = DeploySpec.Rebase(current, dir);
        if (!File.Exists(spec.Script)) throw new PbmException($"{dir} has no {Path.GetRelativePath(dir, spec.Script)} (the app runs {current.Script})");
        if (!c.Json && !Console.IsErrorRedirected) await Console.Error.WriteLineAsync($"[pbm] deploying {dir} as {app} v{current.Version + 1}...");
        var result = await c.CallAsync(cl => cl.DeployAsync(app, spec, parallel));
        return Print(c, result);
    }

    private static async Task<int> PingAsync(Context c)
    {
        NoPositionals(c);
        var ping = await c.CallAsync(cl => cl.PingAsync());
        if (!c.StartedDaemon) c.Warnings.AddRange(ping.Warnings);
        if (c.Json) Console.Out.WriteLine(JsonSerializer.Serialize(ping, PbmJsonContext.Indented.PingResult));
        else Console.Out.WriteLine($"pong: daemon pid {ping.Pid}, node {ping.Node}, up {Term.Duration(DateTimeOffset.UtcNow - ping.StartedAt)}, home {ping.Home}");
        return 0;
    }

    private static async Task<int> KillAsync(Context c)
    {
        NoPositionals(c);
        if (!c.Endpoint.IsLocal) throw new UsageException("pbm kill stops the local daemon; it does not take --endpoint");
        OperationResult result;
        DaemonLauncher.DaemonAlive(c.Home, out var daemonPid);
        try
        {
            result = await c.Client.KillAsync();
        }
        catch (DaemonUnreachableException)
        {
            // No daemon answers; one may have been killed -9 and left apps running. Reap them the way a
            // daemon's start-up does, then forget the app set.
            var reap = await ReapAsync(c);
            if (!c.Json) Console.Out.WriteLine(reap == 0 ? "no daemon was running" : "no daemon was running; cleaned up what a previous one left");
            else Console.Out.WriteLine("{\"message\":\"no daemon was running\"}");
            return 0;
        }
        // The answer comes once every app is down; wait for the process itself to be gone too.
        // (by its pid: the daemon removes its pid file before the runtime has finished exiting).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (daemonPid > 0 && DaemonLauncher.ProcessAlive(daemonPid) && DateTime.UtcNow < deadline) await Task.Delay(20);
        if (c.Json) Console.Out.WriteLine(JsonSerializer.Serialize(result, PbmJsonContext.Indented.OperationResult));
        else Console.Out.WriteLine($"{result.Message}; daemon stopped");
        return 0;
    }

    private static async Task<int> ReapAsync(Context c)
    {
        if (!Directory.Exists(c.Home.Root)) return 0;
        var (file, prefix) = DaemonLauncher.Locate();
        var psi = new System.Diagnostics.ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var p in prefix) psi.ArgumentList.Add(p);
        psi.ArgumentList.Add("--home");
        psi.ArgumentList.Add(c.Home.Root);
        psi.ArgumentList.Add("--reap");
        using var proc = System.Diagnostics.Process.Start(psi)!;
        await proc.WaitForExitAsync();
        return proc.ExitCode;
    }

    private static async Task<int> DumpAsync(Context c, bool save)
    {
        if (c.Args.Positionals.Count > 1) throw new UsageException($"usage: pbm {(save ? "save" : "resurrect")} [name|file.json]");
        var name = c.Args.Positionals.FirstOrDefault();
        var result = await c.CallAsync(cl => save ? cl.SaveAsync(name) : cl.ResurrectAsync(name));
        if (c.Json) Console.Out.WriteLine(JsonSerializer.Serialize(result, PbmJsonContext.Indented.DumpResult));
        else if (save) Console.Out.WriteLine($"saved {result.Apps.Count} apps to {result.Path}");
        else Console.Out.WriteLine(result.Apps.Count > 0 ? $"resurrected {string.Join(", ", result.Apps)} from {result.Path}"
            : (result.Warnings ?? []).Count > 0 ? $"nothing resurrected from {result.Path}"
            : $"nothing to resurrect from {result.Path}: every app in it is already known");
        // Apps left out of the dump (invalid specs) are named, and the command fails: not everything came back.
        c.Warnings.AddRange(result.Warnings ?? []);
        return (result.Warnings ?? []).Count > 0 ? 1 : 0;
    }

    private static async Task<int> DaemonAsync(Context c)
    {
        NoPositionals(c);
        var extra = new List<string>();
        foreach (var (option, flag) in new[] { ("api", "--api"), ("seeds", "--seeds"), ("cluster-ip", "--cluster-ip"), ("cluster-port", "--cluster-port") })
            if (c.Args.Value(option) is { } value) extra.AddRange([flag, value]);
        if (c.Args.Has("resurrect")) extra.Add("--resurrect");
        if (c.Args.Has("foreground")) return DaemonLauncher.ExecForeground(c.Home, [.. extra]);
        var ping = await DaemonLauncher.StartAsync(c.Home, c.Client, [.. extra]);
        Console.Out.WriteLine($"daemon pid {ping.Pid} in {ping.Home}");
        c.Warnings.AddRange(ping.Warnings); // a corrupt state file kept aside, orphans reaped: said where the daemon was started
        return 0;
    }

    internal static int Print(Context c, OperationResult result)
    {
        if (c.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(result, PbmJsonContext.Indented.OperationResult));
            return 0;
        }
        Console.Out.WriteLine(result.Message);
        if (result.Instances.Count > 0) Console.Out.Write(Views.Instances(result.Instances));
        return 0;
    }

    internal static string OneTarget(Context c, string verb)
    {
        if (c.Args.Positionals.Count == 0) throw new UsageException($"missing target: pbm {verb} <app|app:N{(verb == "show" ? "" : "|all")}>");
        if (c.Args.Positionals.Count > 1) throw new UsageException($"pbm {verb} takes one target, got {c.Args.Positionals.Count}");
        return c.Args.Positionals[0];
    }

    private static void NoPositionals(Context c)
    {
        if (c.Args.Positionals.Count > 0) throw new UsageException($"unexpected argument '{c.Args.Positionals[0]}' for pbm {c.Args.Command}");
    }
}
