using System.Text;

namespace Pbm.Client.AppFiles;

/// <summary>
/// PM2's app keys as PM2 reads them (its lib/API/schema.json and lib/tools/Config.js): each key in snake_case, its
/// camelCase form, and its aliases. <see cref="Canonical"/> turns any of them into pbm's option name (kebab-case), so
/// <c>max_restarts</c>, <c>maxRestarts</c> and <c>max-restarts</c> are one key, and <c>interpreter_args</c> is
/// <c>node-args</c>. Keys PM2 has and pbm does not are listed in <see cref="Unsupported"/> with the reason.
/// </summary>
internal static class Pm2Keys
{
    /// <summary>PM2 names (kebab-cased) whose pbm option has another name.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["exec"] = "script",
        ["cmd"] = "script",
        ["command"] = "script",
        ["exec-interpreter"] = "interpreter",
        ["interpreter-args"] = "node-args",
        ["out"] = "output",
        ["out-file"] = "output",
        ["out-log"] = "output",
        ["err"] = "error",
        ["error-file"] = "error",
        ["err-file"] = "error",
        ["err-log"] = "error",
        ["log-file"] = "log",
        ["pid"] = "pid-file",
        ["cron"] = "cron-restart",
        ["combine-logs"] = "merge-logs",
        ["max-memory-restart"] = "max-memory",
        ["watch-ignore"] = "ignore-watch",
        ["ready-check"] = "ready",
        ["uid"] = "user",
        ["gid"] = "group",
    };

    /// <summary>Why a known PM2 key has no pbm equivalent, for its warning.</summary>
    public static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["exp-backoff-restart-delay"] = "pbm always backs off unstable restarts: 100 ms doubling to 15 s, pbm.restart.backoff-min/max",
        ["deploy"] = "use pbm deploy <app> --path DIR",
        ["username"] = "use user (or PM2's uid)",
        ["shutdown-with-message"] = "pbm stops with --kill-signal (SIGTERM by default)",
        ["kill-retry-time"] = "pbm sends SIGKILL once, after --kill-timeout",
        ["treekill"] = "pbm always stops the instance's whole process tree",
        ["watch-options"] = "pbm's watch takes --ignore-watch and --watch-delay",
        ["namespace"] = "PM2 namespaces have no pbm equivalent: give apps distinct names",
        ["vizion"] = "PM2's version-control metadata",
        ["pmx"] = "PM2's monitoring agent",
        ["automation"] = "PM2's monitoring agent",
        ["io"] = "PM2.io's agent",
        ["trace"] = "PM2.io's tracing",
        ["disable-trace"] = "PM2.io's tracing",
        ["v8"] = "PM2.io's metrics",
        ["event-loop-inspector"] = "PM2.io's metrics",
        ["deep-monitoring"] = "PM2.io's metrics",
        ["source-map-support"] = "run node with --enable-source-maps in node_args",
        ["disable-source-map-support"] = "pbm does not inject source-map support",
        ["windows-hide"] = "pbm runs on Linux",
        ["install-url"] = "PM2 module installation",
        ["post-update"] = "PM2's pull-and-update commands",
        ["force"] = "pbm app names are unique: pbm start --force adds instances to a running app",
        ["name-prefix"] = "give the name in full",
        ["write"] = "not a pbm option",
        ["static"] = "pbm does not serve static files from an app file",
    };

    /// <summary>PM2 features pbm does not have: set to false they ask for what pbm does anyway, and get no warning.</summary>
    public static readonly HashSet<string> Features = new(StringComparer.Ordinal)
    {
        "vizion", "pmx", "automation", "trace", "v8", "event-loop-inspector", "deep-monitoring", "source-map-support",
        "windows-hide", "shutdown-with-message", "force", "post-update",
    };

    /// <summary>The pbm option a key names: <c>maxRestarts</c>, <c>max_restarts</c> and <c>max-restarts</c> are <c>max-restarts</c>.</summary>
    public static string Canonical(string key)
    {
        var kebab = Kebab(key);
        return Aliases.GetValueOrDefault(kebab, kebab);
    }

    private static string Kebab(string key)
    {
        var sb = new StringBuilder(key.Length + 4);
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c == '_') sb.Append('-');
            else if (char.IsAsciiLetterUpper(c) && i > 0 && !char.IsAsciiLetterUpper(key[i - 1]))
                sb.Append('-').Append(char.ToLowerInvariant(c));
            else sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
