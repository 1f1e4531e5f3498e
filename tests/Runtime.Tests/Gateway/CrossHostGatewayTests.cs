using System.Net.Sockets;
using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Supervision;

namespace Pbm.Runtime.Tests.Gateway;

/// <summary>The pieces of the cluster-wide gateway that need no cluster: addresses, remote destinations, remote routes.</summary>
public sealed class CrossHostGatewayTests
{
    private static GatewaySettings Settings(string hocon) =>
        GatewaySettings.From(ConfigurationFactory.ParseString(hocon).WithFallback(PbmSettings.Reference));

    [Fact]
    public void Standalone_InstancesListenOnLoopbackOnly()
    {
        var s = Settings("akka.remote.dot-netty.tcp.hostname = 10.9.8.7");
        Assert.False(s.Clustered);
        Assert.Equal("127.0.0.1", s.InstanceBind);
        Assert.Equal("127.0.0.1", s.InstanceAddress);
    }

    [Fact]
    public void Clustered_AdvertisesTheClusterAddress_AndInstancesListenThere_UnlessSetOtherwise()
    {
        const string cluster = "akka.cluster.seed-nodes = [\"akka.tcp://pbm@10.9.8.1:4053\"]\nakka.remote.dot-netty.tcp.hostname = 10.9.8.7\n";
        var s = Settings(cluster);
        Assert.True(s.Clustered);
        Assert.Equal("10.9.8.7", s.AdvertisedAddress);
        Assert.Equal("10.9.8.7", s.InstanceBind);
        Assert.Equal("10.9.8.7", s.InstanceAddress);

        var pub = Settings(cluster + "akka.remote.dot-netty.tcp.public-hostname = 203.0.113.5");
        Assert.Equal("203.0.113.5", pub.AdvertisedAddress);

        // A name is announced as its address: gateways connect to IP literals.
        var named = Settings(cluster + "pbm.gateway.advertised-address = localhost");
        Assert.Equal("127.0.0.1", named.AdvertisedAddress);

        var everywhere = Settings(cluster + "pbm.gateway { advertised-address = 10.0.0.2, instance-bind = \"0.0.0.0\" }");
        Assert.Equal("10.0.0.2", everywhere.AdvertisedAddress);
        Assert.Equal("0.0.0.0", everywhere.InstanceBind);
        Assert.Equal("127.0.0.1", everywhere.InstanceAddress);
    }

    [Fact]
    public void InstancesAreToldWhereToListen_AnExplicitHostWins_AShellsHostDoesNot()
    {
        var spec = new AppSpec
        {
            Name = "w", Script = "w.js", Command = "node", Cwd = "/", Port = 8080,
            Env = new Dictionary<string, string> { ["HOST"] = "from-the-shell" },
        };
        var env = InstanceEnvironment.For(spec, 0, 40001, "10.0.0.2");
        Assert.Equal("10.0.0.2", env["HOST"]);
        Assert.Equal("10.0.0.2", env["PBM_BIND"]);
        Assert.Equal("40001", env["PORT"]);
        var given = spec with { Env = new Dictionary<string, string> { ["HOST"] = "0.0.0.0" }, EnvOverrides = new Dictionary<string, string> { ["HOST"] = "0.0.0.0" } };
        Assert.Equal("0.0.0.0", InstanceEnvironment.For(given, 0, 40001, "10.0.0.2")["HOST"]);
        Assert.False(InstanceEnvironment.For(spec with { Port = null }, 0, null).ContainsKey("PBM_BIND"));
    }

    [Fact]
    public void RemoteDestinations_JoinTheLocalOnes_AndAReannouncedOneStaysTheSameObject()
    {
        var route = new GatewayRoute("w", "/", null, false);
        var local = new Destination("w:0", 4000);
        route.Add(local);
        var remote = new Destination("w:1", 4001, "10.0.0.3", "b:4053");
        Assert.Empty(route.SetRemote([remote]));
        Assert.Equal([local, remote], route.Destinations);

        // The same instance announced again (a new object): the one in rotation is kept, with its in-flight count.
        remote.Enter();
        var again = new Destination("w:1", 4001, "10.0.0.3", "b:4053");
        var other = new Destination("w:2", 4002, "10.0.0.3", "b:4053");
        Assert.Empty(route.SetRemote([again, other]));
        Assert.Same(remote, route.Destinations[1]);
        Assert.Equal(1, route.Destinations[1].InFlight);

        var removed = route.SetRemote([other]);
        Assert.Same(remote, Assert.Single(removed));
        Assert.Equal([local, other], route.Destinations);
        Assert.Equal("http://10.0.0.3:4002/", other.Prefix);
        Assert.Equal("http://[::1]:4003/", new Destination("w:3", 4003, "::1", "c").Prefix);
    }

    [Fact]
    public async Task ARouteOnlyOtherHostsAnnounce_OpensThePort_AndClosesItWhenNoHostDoes()
    {
        var port = FreePort();
        await using var gateway = new PbmGateway(Settings("pbm.gateway.bind = 127.0.0.1"), NullLogger.Instance);
        var changes = 0;
        gateway.LocalChanged += () => Interlocked.Increment(ref changes);

        await gateway.SetRemoteRoutesAsync([new RouteSpec("w", port, "/", null, false)]);
        Assert.True(Accepts(port));
        // Remote-only: not announced back as this host's.
        Assert.Empty(gateway.LocalRoutes());
        gateway.SetRemoteDestinations(new Dictionary<string, List<Destination>> { ["w"] = [new Destination("w:0", 4001, "10.0.0.3", "b")] });
        Assert.Single(gateway.DestinationsOf("w"));

        // This host starts running it too, then stops: the port stays open while another host still announces it.
        await gateway.EnsureRouteAsync("w", port, null, null, false);
        Assert.Equal("w", Assert.Single(gateway.LocalRoutes()).Spec.App);
        gateway.Add("w", gateway.LocalDestination("w:1", 4002));
        Assert.Equal(2, gateway.DestinationsOf("w").Count);
        await gateway.RemoveRouteAsync("w");
        Assert.True(Accepts(port));
        Assert.True(Assert.Single(gateway.DestinationsOf("w")).IsRemote);
        Assert.True(changes >= 3);

        await gateway.SetRemoteRoutesAsync([]);
        Assert.False(Accepts(port));
        Assert.Empty(gateway.DestinationsOf("w"));
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
