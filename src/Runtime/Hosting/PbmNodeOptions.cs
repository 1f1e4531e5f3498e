using Pbm.Client;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Options of a pbm node in the Akka.Hosting style: null means "keep the HOCON default".
/// </summary>
public sealed class PbmNodeOptions
{
    /// <summary>The home this node keeps its state, socket, token and logs in. Default: PBM_HOME, else ~/.pbm.</summary>
    public PbmHome? Home { get; set; }

    /// <summary>Run a host agent here (supervise processes). Default true.</summary>
    public bool? Host { get; set; }

    /// <summary>Carry the master singleton here. Default true.</summary>
    public bool? Master { get; set; }

    /// <summary>The HTTP gateway of this host (apps started with --port). Default: none, --port is then refused.</summary>
    public Gateway.PbmGateway? Gateway { get; set; }

    /// <summary>Warnings found before the actor system started (orphans reaped, ...), reported by ping.</summary>
    public IReadOnlyList<string> StartupWarnings { get; set; } = [];

    /// <summary>The node's log bus, shared with the control API (pbm logs, pbm flush). Default: a new one on the home's logs folder.</summary>
    internal Logs.LogHub? Logs { get; set; }

    /// <summary>The node's latest metrics sample, shared with the control API. Default: a new one.</summary>
    internal Metrics.MetricsBoard? Metrics { get; set; }
}
