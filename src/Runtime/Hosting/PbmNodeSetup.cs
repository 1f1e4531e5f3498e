using Akka.Actor;
using Pbm.Client;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// What the WithPbm* calls on one AkkaConfigurationBuilder asked for, gathered before the actor system starts:
/// the actors are created once, in the order that works (replica, master, proxy, host agent, palettes), whatever
/// order the calls came in.
/// </summary>
internal sealed class PbmNodeSetup
{
    public bool Host { get; set; }
    public bool Master { get; set; }
    public bool Gateway { get; set; }
    public TimeSpan? HostGrace { get; set; }

    /// <summary>The daemon supplied its configuration (then no HOCON is added here).</summary>
    public Config.PbmSettings? Settings { get; set; }

    public ClusterBootstrap? Bootstrap { get; set; }
    public bool ClusterOptionsGiven { get; set; }
    public string? NodeName { get; set; }
    public PbmHome? Home { get; set; }
    public Logs.LogHub? Logs { get; set; }
    public Metrics.MetricsBoard? Metrics { get; set; }
    public Gateway.PbmGateway? GatewayInstance { get; set; }
    public IReadOnlyList<string> StartupWarnings { get; set; } = [];
    public List<(PaletteDefinition Palette, Func<ActorSystem, IActorRef> Handler)> Palettes { get; } = [];

    public bool Embedded => Settings is null;
}
