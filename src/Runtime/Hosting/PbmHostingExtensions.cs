using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using Pbm.Client;
using Pbm.Runtime.Config;
using Pbm.Runtime.Master;
using Pbm.Runtime.Supervision;

namespace Pbm.Runtime.Hosting;

/// <summary>Akka.Hosting extensions that make an actor system a pbm node.</summary>
public static class PbmHostingExtensions
{
    /// <summary>
    /// Adds pbm's master singleton (and its proxy, registered as <see cref="MasterKey"/>) and a host agent
    /// (<see cref="HostAgentKey"/>) to the actor system. With no seed nodes configured the node joins itself:
    /// a single-node cluster, which is pbm's standalone mode.
    /// </summary>
    public static AkkaConfigurationBuilder WithPbmNode(this AkkaConfigurationBuilder builder, PbmSettings settings, PbmNodeOptions options)
    {
        var home = options.Home ?? PbmHome.FromEnvironment();
        var paths = new PbmPaths(home);
        var logs = options.Logs ?? new Logs.LogHub(home.LogDir, settings.FollowBuffer);
        var metrics = options.Metrics ?? new Metrics.MetricsBoard();
        builder.WithActors((system, registry) =>
        {
            var cluster = Cluster.Get(system);
            if (system.Settings.Config.GetStringList("akka.cluster.seed-nodes").Count == 0)
                cluster.Join(cluster.SelfAddress);

            // Every node keeps a copy of desired state (see ReplicatedState); it seeds the cluster with it at start.
            var store = new StateStore(home.StateFile);
            var local = store.Load(out var corrupt);
            var warnings = corrupt is null ? options.StartupWarnings : [.. options.StartupWarnings, corrupt];
            system.ActorOf(StateReplica.Props(store, local), "state-replica");

            if (options.Master ?? true)
            {
                system.ActorOf(ClusterSingletonManager.Props(
                        MasterActor.Props(settings, store, local, warnings),
                        PoisonPill.Instance,
                        ClusterSingletonManagerSettings.Create(system).WithRole(settings.MasterRole).WithSingletonName("master")),
                    "master");
            }
            var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/master",
                ClusterSingletonProxySettings.Create(system).WithRole(settings.MasterRole).WithSingletonName("master")), "master-proxy");
            registry.Register<MasterKey>(proxy);

            if (options.Host ?? true)
                registry.Register<HostAgentKey>(system.ActorOf(HostAgent.Props(settings, paths, proxy, logs, metrics, options.Gateway), "host"));
        });
        return builder;
    }
}
