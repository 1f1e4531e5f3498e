using System.Globalization;
using System.Net;
using System.Text;
using Akka.Configuration;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Layers a node's configuration the way petabridge/lighthouse does: HOCON files, then environment variables
/// (CLUSTER_IP, CLUSTER_PORT, CLUSTER_SEEDS or PBM_SEEDS, and any AKKA__SECTION__KEY), then the command line
/// (--seeds, --cluster-ip, --cluster-port), which always wins. With no seeds the node is standalone: a
/// single-node cluster on loopback that joins itself.
/// </summary>
public sealed record ClusterBootstrap(string Hostname, int Port, IReadOnlyList<string> Seeds, IReadOnlyList<string> Roles)
{
    public bool Clustered => Seeds.Count > 0;

    public static ClusterBootstrap Resolve(DaemonRole role, string? ipArg, int? portArg, string? seedsArg)
    {
        var ip = ipArg ?? Environment.GetEnvironmentVariable("CLUSTER_IP") ?? "127.0.0.1";
        var seedText = seedsArg ?? Environment.GetEnvironmentVariable("PBM_SEEDS") ?? Environment.GetEnvironmentVariable("CLUSTER_SEEDS") ?? "";
        var seeds = seedText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => SeedAddress(s)).ToList();
        int port;
        if (portArg is { } p) port = p;
        else if (int.TryParse(Environment.GetEnvironmentVariable("CLUSTER_PORT"), out var envPort)) port = envPort;
        else port = role == DaemonRole.Lighthouse ? 4053 : 0;
        if (role == DaemonRole.Lighthouse)
        {
            // A lighthouse is always a seed: it injects itself into the seed list (first, so it can form the cluster).
            var self = $"akka.tcp://pbm@{ip}:{port}";
            if (!seeds.Contains(self)) seeds.Insert(0, self);
        }
        // A clustered node needs a fixed, known port: its name in `pbm list` and its seed address depend on it.
        if (seeds.Count > 0 && port == 0) port = Gateway.PortAllocator.Next();
        IReadOnlyList<string> roles = role == DaemonRole.Lighthouse ? ["lighthouse"] : ["host", "master"];
        return new ClusterBootstrap(ip, port, seeds, roles);
    }

    /// <summary>"host:port" (with <paramref name="protocol"/>) or a full akka.tcp://pbm@host:port address.</summary>
    public static string SeedAddress(string text, string protocol = "akka.tcp") =>
        text.Contains("://", StringComparison.Ordinal) ? text : $"{protocol}://pbm@{text}";

    /// <summary>
    /// With Akka.Remote over TLS (<c>akka.remote.dot-netty.tcp.enable-ssl</c>) the only transport is akka.ssl.tcp,
    /// so every seed given as HOST:PORT, and the lighthouse's own address, must say so: an akka.tcp seed fails
    /// with "No transport is loaded for protocol: [akka.tcp]" (found by running the README's TLS recipe,
    /// TlsClusterTests). An explicit akka.tcp:// seed is rewritten too: it could not be reached either.
    /// </summary>
    public ClusterBootstrap ForTransport(Akka.Configuration.Config config) =>
        TlsOn(config)
            ? this with { Seeds = Seeds.Select(s => s.StartsWith("akka.tcp://", StringComparison.Ordinal) ? "akka.ssl.tcp://" + s["akka.tcp://".Length..] : s).ToList() }
            : this;

    /// <summary>Whether Akka.Remote runs over TLS (akka.remote.dot-netty.tcp.enable-ssl).</summary>
    public static bool TlsOn(Akka.Configuration.Config config) => config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl", false);

    /// <summary>The HOCON this bootstrap adds on top of the files (it wins over them).</summary>
    public Akka.Configuration.Config ToConfig(string nodeName)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.hostname = \"{Hostname}\"\n");
        sb.Append(CultureInfo.InvariantCulture, $"akka.remote.dot-netty.tcp.port = {Port}\n");
        sb.Append("akka.cluster.seed-nodes = [").Append(string.Join(", ", Seeds.Select(s => $"\"{s}\""))).Append("]\n");
        sb.Append("akka.cluster.roles = [").Append(string.Join(", ", Roles.Select(r => $"\"{r}\""))).Append("]\n");
        sb.Append(CultureInfo.InvariantCulture, $"pbm.node-name = \"{nodeName}\"\n");
        return ConfigurationFactory.ParseString(sb.ToString());
    }

    /// <summary>Why joining over plain TCP is refused, or null when allowed (TLS on, all loopback, or explicitly allowed).</summary>
    public string? PlaintextRefused(Akka.Configuration.Config config)
    {
        if (!Clustered) return null;
        if (TlsOn(config)) return null;
        if (config.GetBoolean("pbm.cluster.allow-plaintext", false) || Environment.GetEnvironmentVariable("PBM_ALLOW_PLAINTEXT") is "1" or "true") return null;
        static bool Loopback(string host) => host is "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        var hosts = Seeds.Select(s => Akka.Actor.Address.Parse(s).Host ?? "").Append(Hostname);
        if (hosts.All(Loopback)) return null;
        return "refusing to join a cluster over plain TCP: turn on TLS for Akka.Remote (akka.remote.dot-netty.tcp.enable-ssl, see README) " +
               "or, on a network you trust, set pbm.cluster.allow-plaintext = on (or PBM_ALLOW_PLAINTEXT=1)";
    }

    /// <summary>AKKA__CLUSTER__DOWN_REMOVAL_MARGIN=1s → akka.cluster.down-removal-margin = "1s" (lighthouse's convention).</summary>
    public static Akka.Configuration.Config FromEnvironment()
    {
        var sb = new StringBuilder();
        foreach (var entry in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>())
        {
            var name = (string)entry.Key;
            if (!name.StartsWith("AKKA__", StringComparison.Ordinal) && !name.StartsWith("PBM__", StringComparison.Ordinal)) continue;
            var path = name.ToLowerInvariant().Replace("__", ".", StringComparison.Ordinal).Replace('_', '-');
            var value = ((string?)entry.Value ?? "").Trim();
            var literal = value.StartsWith('[') || value is "on" or "off" or "true" or "false" || double.TryParse(value, CultureInfo.InvariantCulture, out _)
                ? value
                : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
            sb.Append(path).Append(" = ").Append(literal).Append('\n');
        }
        return ConfigurationFactory.ParseString(sb.ToString());
    }
}
