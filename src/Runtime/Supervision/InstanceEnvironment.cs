using System.Globalization;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Supervision;

/// <summary>The environment of an instance's process: the spec's, then the variables pbm adds.</summary>
internal static class InstanceEnvironment
{
    /// <param name="bind">With a private port: the address to listen on, given as HOST (and PBM_BIND) unless --env HOST=... was given.</param>
    public static Dictionary<string, string> For(AppSpec spec, int index, int? privatePort, string? bind = null)
    {
        var text = index.ToString(CultureInfo.InvariantCulture);
        var env = new Dictionary<string, string>(spec.Env)
        {
            ["PBM_APP"] = spec.Name,
            ["PBM_INSTANCE"] = text,
            ["PBM_ID"] = $"{spec.Name}:{index}",
            // PM2 sets these too: apps read them (pm_id to pick a leader, name in their logs).
            [spec.InstanceVar ?? "NODE_APP_INSTANCE"] = text,
        };
        // PM2 sets "name" unless the app's env does (an app file's name pbm had to change is given back this way).
        if (!spec.EnvOverrides.ContainsKey("name")) env["name"] = spec.Name;
        if (spec.InstanceIds?.TryGetValue(index, out var pmId) == true) env["pm_id"] = pmId.ToString(CultureInfo.InvariantCulture);
        if (spec.IncrementVar is { } increment)
        {
            // PM2's increment_var: the app's value (0 when unset or not a number) plus the instance's index.
            var start = long.TryParse(spec.Env.GetValueOrDefault(increment), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
            env[increment] = (start + index).ToString(CultureInfo.InvariantCulture);
        }
        if (privatePort is { } port)
        {
            env["PORT"] = port.ToString(CultureInfo.InvariantCulture);
            // Where the instance should listen: loopback standalone; in a cluster, the address other hosts' gateways reach.
            // A HOST given explicitly (--env HOST=..., an app file's env) wins; one inherited from the shell does not.
            env["PBM_BIND"] = bind ?? "127.0.0.1";
            env["HOST"] = spec.EnvOverrides.TryGetValue("HOST", out var explicitHost) ? explicitHost : bind ?? "127.0.0.1";
        }
        return env;
    }

    /// <summary>The environment a running process started with (/proc/PID/environ), or null when it cannot be read.</summary>
    public static Dictionary<string, string>? OfProcess(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes($"/proc/{pid}/environ");
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in System.Text.Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = entry.IndexOf('=');
                if (eq > 0) env[entry[..eq]] = entry[(eq + 1)..];
            }
            return env;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
