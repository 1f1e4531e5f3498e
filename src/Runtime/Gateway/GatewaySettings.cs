using System.Net;

namespace Pbm.Runtime.Gateway;

/// <summary>pbm.gateway.* settings (see reference.conf).</summary>
public sealed record GatewaySettings(string Bind, TimeSpan RequestTimeout, long MaxBodyBytes, TimeSpan ConnectTimeout)
{
    /// <summary>The node is part of a multi-host cluster (it has seeds): instances are announced to every host's gateway.</summary>
    public bool Clustered { get; init; }

    /// <summary>Where other hosts' gateways reach this host's instances (pbm.gateway.advertised-address), as an IP address.</summary>
    public string AdvertisedAddress { get; init; } = "127.0.0.1";

    /// <summary>The address instances are told to listen on, as HOST (pbm.gateway.instance-bind).</summary>
    public string InstanceBind { get; init; } = "127.0.0.1";

    /// <summary>Where this host's own gateway and readiness probe reach its instances: the bind address (as an IP), loopback for a wildcard.</summary>
    public string InstanceAddress => InstanceBind switch
    {
        "0.0.0.0" or "*" => "127.0.0.1",
        "::" or "[::]" => "::1",
        _ => ToIp(InstanceBind),
    };

    /// <summary>
    /// A host name as an IP address (IPv4 first), resolved once: gateways connect to IP literals, and every host is
    /// told the same address. An IP, or a name that does not resolve, is returned as it is.
    /// </summary>
    internal static string ToIp(string address)
    {
        if (IPAddress.TryParse(address.Trim('[', ']'), out _)) return address.Trim('[', ']');
        try
        {
            var all = Dns.GetHostAddresses(address);
            var ip = all.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? all.FirstOrDefault();
            return ip?.ToString() ?? address;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return address;
        }
    }

    public static GatewaySettings From(Akka.Configuration.Config config)
    {
        var c = config.GetConfig("pbm.gateway");
        var clustered = config.GetStringList("akka.cluster.seed-nodes", []).Count > 0;
        var advertised = c.GetString("advertised-address", "");
        if (advertised.Length == 0)
        {
            // The address the node is known by in the cluster is the one other hosts can reach.
            var remote = config.GetConfig("akka.remote.dot-netty.tcp");
            advertised = remote?.GetString("public-hostname", "") is { Length: > 0 } pub ? pub : remote?.GetString("hostname", "") ?? "";
            if (!clustered || advertised.Length == 0 || advertised is "0.0.0.0" or "::") advertised = clustered ? Dns.GetHostName() : "127.0.0.1";
        }
        advertised = ToIp(advertised);
        var bind = c.GetString("instance-bind", "");
        // Standalone: instances listen on loopback only, whatever is advertised; in a cluster, where others reach them.
        if (bind.Length == 0) bind = clustered ? advertised : "127.0.0.1";
        return new GatewaySettings(
            c.GetString("bind", "0.0.0.0"),
            c.GetTimeSpan("request-timeout", TimeSpan.FromSeconds(100)),
            c.GetByteSize("max-body-size") ?? 100L * 1024 * 1024,
            c.GetTimeSpan("connect-timeout", TimeSpan.FromSeconds(2)))
        {
            Clustered = clustered,
            AdvertisedAddress = advertised,
            InstanceBind = bind,
        };
    }
}
