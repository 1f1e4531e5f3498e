using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Pbm.Client;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Akka.Hosting extensions that make an actor system a pbm node: <c>services.AddAkka("pbm", b => b.WithPbmHost(o))</c>
/// turns a service into a host agent that joins the cluster and supervises the processes the master places on it;
/// <see cref="WithPbmMaster"/> lets it carry the master singleton; <see cref="WithPbmPalette(AkkaConfigurationBuilder, PaletteDefinition, Props)"/>
/// adds a command palette `pbm` discovers. The pbm daemon is built with the same calls.
/// </summary>
public static class PbmHostingExtensions
{
    private static readonly ConditionalWeakTable<AkkaConfigurationBuilder, PbmNodeSetup> Setups = new();

    /// <summary>
    /// Runs a pbm host agent in this actor system (registered as <see cref="HostAgentKey"/>), with the master's proxy
    /// (<see cref="MasterKey"/>), a replica of desired state and the node's palette directory. With no seeds the node
    /// is a standalone one-node cluster; add <see cref="WithPbmMaster"/> so it has a master.
    /// </summary>
    public static AkkaConfigurationBuilder WithPbmHost(this AkkaConfigurationBuilder builder, PbmHostOptions? options = null)
    {
        options ??= new PbmHostOptions();
        var setup = SetupOf(builder);
        setup.Host = true;
        setup.Gateway = options.Gateway ?? setup.Gateway;
        if (options.Settings is not null)
        {
            setup.Settings = options.Settings;
            setup.Logs = options.Logs;
            setup.Metrics = options.Metrics;
            setup.GatewayInstance = options.GatewayInstance;
            setup.StartupWarnings = options.StartupWarnings;
            setup.Home = options.Home;
        }
        else
        {
            Embed(builder, setup, options);
        }
        return builder;
    }

    /// <summary>
    /// Lets this node carry pbm's master singleton (it runs on the oldest node that has the master role and this call):
    /// desired state, placement, rollouts. A cluster needs at least one such node; the pbm daemon is one.
    /// </summary>
    public static AkkaConfigurationBuilder WithPbmMaster(this AkkaConfigurationBuilder builder, PbmMasterOptions? options = null)
    {
        var setup = SetupOf(builder);
        setup.Master = true;
        setup.HostGrace = options?.HostGrace ?? setup.HostGrace;
        if (setup.Embedded) Embed(builder, setup, null);
        return builder;
    }

    /// <summary>
    /// The pbm daemon's node: its configuration is already complete (<paramref name="options"/>.Settings); a lighthouse
    /// carries neither a host agent nor the master, only the replica, the proxy and the palette directory.
    /// </summary>
    internal static AkkaConfigurationBuilder WithPbmDaemon(this AkkaConfigurationBuilder builder, PbmHostOptions options, DaemonRole role)
    {
        // Settings first: WithPbmMaster must see a node whose configuration is complete, not an embedded one.
        var setup = SetupOf(builder);
        setup.Settings = options.Settings;
        setup.Logs = options.Logs;
        setup.Metrics = options.Metrics;
        setup.Home = options.Home;
        setup.StartupWarnings = options.StartupWarnings;
        return role == DaemonRole.Worker ? builder.WithPbmMaster().WithPbmHost(options) : builder;
    }

    internal static PbmNodeSetup SetupOf(AkkaConfigurationBuilder builder)
    {
        if (Setups.TryGetValue(builder, out var setup)) return setup;
        setup = new PbmNodeSetup();
        Setups.Add(builder, setup);
        // One starter for every WithPbm* call: it runs when the system starts, once all calls have been made.
        builder.WithActors((system, registry, resolver) => PbmNodeStarter.Start(system, registry, resolver, setup));
        return setup;
    }

    /// <summary>
    /// An embedded node brings its own configuration: pbm's reference.conf as the fallback, and the cluster bootstrap
    /// (address, seeds, roles, node name) on top, re-added whenever a call changes the roles.
    /// </summary>
    private static void Embed(AkkaConfigurationBuilder builder, PbmNodeSetup setup, PbmHostOptions? options)
    {
        if (setup.Bootstrap is null) builder.AddHocon(Config.PbmSettings.Reference, HoconAddMode.Append);
        var given = options is not null && (options.Seeds ?? options.Hostname ?? (object?)options.Port ?? options.NodeName ?? (object?)options.Home) is not null;
        if (given && setup.ClusterOptionsGiven)
            throw new ConfigurationException("WithPbmHost: the cluster options (seeds, address, node name, home) were given twice");
        if (setup.Bootstrap is null || given)
        {
            var seeds = options?.Seeds is { } list ? string.Join(',', list) : null;
            var bootstrap = ClusterBootstrap.Resolve(DaemonRole.Worker, options?.Hostname, options?.Port, seeds);
            setup.Bootstrap = bootstrap;
            setup.ClusterOptionsGiven = given;
            setup.NodeName = options?.NodeName ?? (bootstrap.Clustered ? Pbm.Client.Specs.HostNames.Of(Environment.MachineName, bootstrap.Hostname, bootstrap.Port) : Environment.MachineName);
            setup.Home = options?.Home ?? new PbmHome(Path.Combine(PbmHome.FromEnvironment().Root, "nodes", SafeName(setup.NodeName)));
        }
        var roles = new List<string>();
        if (setup.Host) roles.Add("host");
        if (setup.Master) roles.Add("master");
        // Prepended again on every call: the last one, with every role asked for, is on top.
        builder.AddHocon((setup.Bootstrap with { Roles = roles }).ToConfig(setup.NodeName!), HoconAddMode.Prepend);
    }

    private static string SafeName(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_').ToArray());
}
