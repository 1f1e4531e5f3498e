using Pbm.Cli.Cli;
using Pbm.Client;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Commands;

/// <summary>
/// pbm restart APP --update-env: rebuilds the app's environment from the caller's environment now, plus the
/// variables given explicitly (the app file's env and env_NAME, re-read from the file; or the --env K=V of the
/// start), plus any new --env K=V. A variable the caller unset, or the file dropped, is gone afterwards:
/// unlike PM2, nothing of the old environment is merged back in.
/// </summary>
internal static class UpdateEnvCommand
{
    public static async Task<int> RunAsync(Context c)
    {
        if (!c.Args.Has("update-env")) throw new UsageException("--env on restart needs --update-env");
        var target = Handlers.OneTarget(c, "restart");
        if (target.Contains(':')) throw new UsageException("--update-env restarts whole apps: give an app name (or all), not an instance id");
        var names = target == "all"
            ? (await c.CallAsync(cl => cl.ListAsync())).Apps.Select(a => a.Spec.Name).ToList()
            : [target];
        return await RunAsync(c, names);
    }

    /// <summary>Restarts <paramref name="names"/> with their environment rebuilt (pbm start APP --update-env too).</summary>
    public static async Task<int> RunAsync(Context c, IReadOnlyList<string> names)
    {
        var (vars, envName) = StartCommand.SplitEnv(c.Args.Values("env"));
        var callerEnv = StartCommand.CallerEnv();
        var code = 0;
        foreach (var name in names)
        {
            var current = (await c.CallAsync(cl => cl.ShowAsync(name))).Spec;
            var spec = Rebuild(c, current, vars, envName, callerEnv);
            code = Math.Max(code, Handlers.Print(c, await c.CallAsync(cl => cl.RestartAsync(name, spec))));
        }
        return code;
    }

    private static AppSpec Rebuild(Context c, AppSpec current, List<string> vars, string? envName, IReadOnlyDictionary<string, string> callerEnv)
    {
        if (current.Source is { } source)
        {
            if (!File.Exists(source)) throw new PbmException($"{current.Name} was started from {source}, which no longer exists");
            var apps = StartCommand.ResolveFile(source, envName ?? current.EnvName, vars, callerEnv, c.Warnings);
            return apps.Specs.FirstOrDefault(s => s.Name == current.Name)
                   ?? throw new PbmException(apps.Failures.FirstOrDefault(f => f.Contains($"({current.Name})", StringComparison.Ordinal))
                                             ?? $"{source} no longer has an app named {current.Name}");
        }
        if (envName is not null)
            throw new UsageException($"--env {envName}: {current.Name} was not started from an app file, so there is no env_{envName}; give --env KEY=VALUE");
        var overrides = new Dictionary<string, string>(current.EnvOverrides);
        foreach (var pair in vars)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--env {pair}: expected KEY=VALUE");
            overrides[pair[..eq]] = pair[(eq + 1)..];
        }
        var env = new Dictionary<string, string>(callerEnv);
        foreach (var (k, v) in overrides) env[k] = v;
        return current with { Env = env, EnvOverrides = overrides };
    }
}
