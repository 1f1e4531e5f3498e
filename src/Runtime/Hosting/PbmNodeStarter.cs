using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.DependencyInjection;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pbm.Runtime.Config;
using Pbm.Runtime.Master;
using Pbm.Runtime.Palettes;
using Pbm.Runtime.Supervision;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Creates a pbm node's actors once the actor system is up, from what the WithPbm* calls asked for. An embedded
/// node also does what the daemon does before its actor system starts: take its home's lock and reap the
/// processes a killed predecessor left (the daemon does both itself, earlier).
/// </summary>
internal static class PbmNodeStarter
{
    public static void Start(ActorSystem system, IActorRegistry registry, IDependencyResolver resolver, PbmNodeSetup setup)
    {
        var config = system.Settings.Config;
        var settings = setup.Settings ?? PbmSettings.From(config);
        if (setup.HostGrace is { } grace) settings = settings with { HostGrace = grace };
        var home = setup.Home ?? Client.PbmHome.FromEnvironment();
        var warnings = setup.StartupWarnings;
        var loggers = resolver.GetService(typeof(ILoggerFactory)) as ILoggerFactory ?? NullLoggerFactory.Instance;
        if (setup.Embedded)
        {
            if (setup.Bootstrap?.PlaintextRefused(config) is { } refusal) throw new ConfigurationException(refusal);
            home.Ensure();
            var homeLock = TakeLock(home);
            system.WhenTerminated.ContinueWith(_ => homeLock.Dispose(), TaskScheduler.Default);
            if (setup.Host)
                warnings = new Processes.PidRegistry(home.PidDir).ReapOrphans(loggers.CreateLogger("Pbm.Host"))
                    .Select(o => $"killed orphan {o} left by a previous run of this node").ToList();
        }
        var gateway = setup.GatewayInstance;
        if (gateway is null && setup.Gateway && setup.Host)
        {
            var own = new Gateway.PbmGateway(Gateway.GatewaySettings.From(config), loggers.CreateLogger("Pbm.Gateway"));
            gateway = own;
            system.WhenTerminated.ContinueWith(_ => own.DisposeAsync().AsTask(), TaskScheduler.Default);
        }

        var cluster = Cluster.Get(system);
        if (config.GetStringList("akka.cluster.seed-nodes").Count == 0)
            cluster.Join(cluster.SelfAddress);

        // Every node keeps a copy of desired state (see ReplicatedState); it seeds the cluster with it at start.
        var store = new StateStore(home.StateFile);
        var local = store.Load(out var corrupt);
        if (corrupt is not null)
        {
            // In pbm.log too: `pbm ping` and the command that started the daemon show the warning, a log reader needs it.
            loggers.CreateLogger("Pbm.State").LogWarning("{Warning}", corrupt);
            warnings = [.. warnings, corrupt];
        }
        if (setup.Host && Processes.ChildReaper.Caveat is { } caveat)
        {
            loggers.CreateLogger("Pbm.Host").LogWarning("{Caveat}", caveat);
            warnings = [.. warnings, caveat];
        }
        system.ActorOf(StateReplica.Props(store, local), "state-replica");

        if (setup.Master)
        {
            system.ActorOf(ClusterSingletonManager.Props(
                    MasterActor.Props(settings, store, warnings),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(settings.MasterRole).WithSingletonName("master")),
                "master");
        }
        var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/master",
            ClusterSingletonProxySettings.Create(system).WithRole(settings.MasterRole).WithSingletonName("master")), "master-proxy");
        registry.Register<MasterKey>(proxy);
        if (config.GetBoolean("pbm.cluster.down-refused-nodes", true))
            system.ActorOf(DeadNodeDowner.Props(proxy), "dead-node-downer");

        if (setup.Host)
        {
            var logs = setup.Logs ?? new Logs.LogHub(home.LogDir, settings.FollowBuffer);
            var metrics = setup.Metrics ?? new Metrics.MetricsBoard();
            // After the orphan reaping above (or the daemon's, earlier): it removes the cgroups a killed predecessor left.
            var trees = Processes.TreeTracking.Open(settings.UseCgroups, home.Root, settings.TreeKillWait, loggers.CreateLogger("Pbm.Host"));
            var host = system.ActorOf(HostAgent.Props(settings, new PbmPaths(home), proxy, logs, metrics, trees, gateway), "host");
            registry.Register<HostAgentKey>(host);
            // pbm logs in a cluster: the answering node asks every host for its files and its instances' new lines.
            system.ActorOf(Logs.LogServer.Props(logs, settings.NodeName), Logs.LogServer.Name);
            // In a cluster every host's gateway routes to every host's ready instances (see GatewayDirectory).
            if (gateway is not null && gateway.Settings.Clustered)
                system.ActorOf(Gateway.GatewayDirectory.Props(gateway, settings.NodeName), Gateway.GatewayDirectory.Name);
            // systemctl stop / SIGTERM / the service stopping: stop every instance gracefully; desired state stays,
            // so the instances come back (here or elsewhere) when the node does (pbm kill, by contrast, forgets them first).
            var shutdown = CoordinatedShutdown.Get(system);
            // Each app's supervisor bounds its own stop (kill-timeout); the phase's timeout bounds them all.
            var stopWait = shutdown.Timeout(CoordinatedShutdown.PhaseBeforeServiceUnbind) - TimeSpan.FromSeconds(5);
            shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "stop-instances", async () =>
            {
                try
                {
                    await host.Ask<HostAgent.Done>(HostAgent.StopAllLocal.Instance, stopWait);
                }
                finally
                {
                    // Every instance's cgroup went with its stop; this removes the home's subtree (and kills what a
                    // stop that gave up left).
                    trees.Close();
                }
                return Akka.Done.Instance;
            });
        }

        var directory = system.ActorOf(PaletteDirectory.Props(settings.NodeName, settings.PaletteGatherTimeout, settings.PaletteCommandTimeout), PaletteDirectory.Name);
        registry.Register<PaletteDirectoryKey>(directory);
        foreach (var (palette, handler) in setup.Palettes)
            directory.Tell(new PaletteProtocol.Register(palette, handler(system)));
    }

    private static FileStream TakeLock(Client.PbmHome home)
    {
        try
        {
            return new FileStream(home.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new ConfigurationException($"another pbm node uses the home {home.Root} (give each node its own: PbmHostOptions.Home)");
        }
    }
}
