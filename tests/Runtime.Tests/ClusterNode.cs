using Akka.Configuration;
using Pbm.Runtime.Config;

namespace Pbm.Runtime.Tests;

/// <summary>An actor system that can be a cluster node (the master and the gateway's directory need one), never joined.</summary>
internal static class ClusterNode
{
    public static Akka.Configuration.Config Config { get; } = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        """).WithFallback(PbmSettings.Reference);
}
