using Pbm.Client;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Options of a pbm host agent embedded in a service (<see cref="PbmHostingExtensions.WithPbmHost"/>), in the
/// Akka.Hosting style: null means "keep the default" (HOCON, then the environment variables a pbm daemon reads).
/// The actor system must be named "pbm" (services.AddAkka("pbm", ...)): seed addresses are akka.tcp://pbm@HOST:PORT.
/// </summary>
public sealed class PbmHostOptions
{
    /// <summary>Seed nodes to join, "HOST:PORT" or akka.tcp://pbm@HOST:PORT. Default: PBM_SEEDS or CLUSTER_SEEDS; none: a standalone one-node cluster.</summary>
    public IReadOnlyList<string>? Seeds { get; set; }

    /// <summary>The address other nodes reach this one at. Default: CLUSTER_IP, else 127.0.0.1.</summary>
    public string? Hostname { get; set; }

    /// <summary>This node's Akka.Remote port. Default: CLUSTER_PORT, else a free port when joining a cluster (0 standalone).</summary>
    public int? Port { get; set; }

    /// <summary>This host's name in pbm list, pbm hosts and --hosts; unique in the cluster. Default: MACHINE:PORT in a cluster, MACHINE standalone.</summary>
    public string? NodeName { get; set; }

    /// <summary>
    /// The folder of this node's state, pid files and instance logs. It must not be a daemon's home: each node reaps
    /// the pid files of its home at start. Default: PBM_HOME/nodes/NODE (PBM_HOME defaulting to ~/.pbm).
    /// </summary>
    public PbmHome? Home { get; set; }

    /// <summary>Run pbm's HTTP gateway on this host, so instances placed here may take public ports (--port). Default false: --port is refused here.</summary>
    public bool? Gateway { get; set; }

    // Set by the pbm daemon, which reads its configuration itself and shares these with its control API.
    internal Config.PbmSettings? Settings { get; set; }
    internal Logs.LogHub? Logs { get; set; }
    internal Metrics.MetricsBoard? Metrics { get; set; }
    internal Gateway.PbmGateway? GatewayInstance { get; set; }
    internal IReadOnlyList<string> StartupWarnings { get; set; } = [];
}
