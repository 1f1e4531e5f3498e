using Pbm.Runtime.Messages;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// Messages between the gateway directories of the hosts (one per host, /user/pbm-gateway). They cross nodes and
/// use pbm's serializer. A host's state is versioned by <c>Seq</c>, which only grows for one incarnation of a node
/// (it starts at the clock's ticks, so a restarted directory never goes back).
/// </summary>
public static class GatewayProtocol
{
    /// <summary>A ready instance, at the address other hosts reach it (the owner's pbm.gateway.advertised-address).</summary>
    public sealed record AnnouncedDestination(string Id, string Address, int Port);

    /// <summary>An app the announcing host routes itself (it runs, or may run, its instances), with its ready instances there.</summary>
    public sealed record AnnouncedRoute(string App, int Port, string Path, string? Host, bool Sticky, IReadOnlyList<AnnouncedDestination> Ready);

    /// <summary>The whole gateway state of one host: sent to every host when it changes, when a host comes up, and on request.</summary>
    public sealed record Announce(string Node, string Address, int Uid, long Seq, IReadOnlyList<AnnouncedRoute> Routes) : IPbmMessage;

    /// <summary>Sent to every host every few seconds: a host that knows an older state (a lost message) asks with <see cref="Resend"/>.</summary>
    public sealed record Digest(string Address, int Uid, long Seq) : IPbmMessage;

    public sealed record Resend : IPbmMessage
    {
        public static readonly Resend Instance = new();
    }

    /// <summary>
    /// The answer to an announcement: the sending host no longer has any request in flight to an instance that the
    /// announcing host removed up to <paramref name="Seq"/> (it took them out of rotation, then waited for their requests).
    /// </summary>
    public sealed record Drained(string Address, int Uid, long Seq) : IPbmMessage;
}
