using System.Globalization;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Supervision;

/// <summary>The environment of an instance's process: the spec's, then the variables pbm adds.</summary>
internal static class InstanceEnvironment
{
    /// <param name="bind">With a private port: the address to listen on, given as HOST (and PBM_BIND) unless --env HOST=... was given.</param>
    public static Dictionary<string, string> For(AppSpec spec, int index, int? privatePort, string? bind = null)
    {
        var env = new Dictionary<string, string>(spec.Env)
        {
            ["PBM_APP"] = spec.Name,
            ["PBM_INSTANCE"] = index.ToString(CultureInfo.InvariantCulture),
            ["PBM_ID"] = $"{spec.Name}:{index}",
            ["NODE_APP_INSTANCE"] = index.ToString(CultureInfo.InvariantCulture),
        };
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
