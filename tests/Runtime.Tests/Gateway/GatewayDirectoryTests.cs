using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using Pbm.Runtime.Config;
using Pbm.Runtime.Gateway;
using static Pbm.Runtime.Gateway.GatewayProtocol;

namespace Pbm.Runtime.Tests.Gateway;

/// <summary>The cluster-wide gateway's directory, fed announcements of a peer host by hand.</summary>
public sealed class GatewayDirectoryTests : TestKit, IAsyncLifetime
{
    private readonly PbmGateway _gateway = new(GatewaySettings.From(ClusterNode.Config), NullLogger.Instance);

    public GatewayDirectoryTests() : base(ClusterNode.Config)
    {
    }

    private static Announce Peer(long seq, params string[] apps) =>
        new("peer", "akka.tcp://pbm@127.0.0.2:4053", 42, seq,
            apps.Select((app, i) => new AnnouncedRoute(app, 18080 + i, "/", null, false, [])).ToList());

    [Fact]
    public void ApplyingTheRoutesFails_TheDirectoryTriesAgain_AndAppliesLaterAnnouncements()
    {
        var applied = CreateTestProbe();
        var calls = 0;
        var directory = Sys.ActorOf(GatewayDirectory.Props(_gateway, "me", routes =>
        {
            applied.Ref.Tell(routes.Select(r => r.App).ToList());
            return Interlocked.Increment(ref calls) == 1 ? Task.FromException(new IOException("port table locked")) : Task.CompletedTask;
        }));
        var peer = CreateTestProbe();

        directory.Tell(Peer(1, "web"), peer.Ref);
        Assert.Equal(["web"], applied.ExpectMsg<List<string>>(TimeSpan.FromSeconds(3)));
        // The failure is not the end: the same routes again, at the next digest tick.
        Assert.Equal(["web"], applied.ExpectMsg<List<string>>(TimeSpan.FromSeconds(5)));

        directory.Tell(Peer(2, "web", "api"), peer.Ref);
        Assert.Equal(["api", "web"], applied.ExpectMsg<List<string>>(TimeSpan.FromSeconds(3)));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Shutdown();
        await _gateway.DisposeAsync();
    }
}
