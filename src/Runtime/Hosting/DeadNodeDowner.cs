using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Downs a member at once when its process is provably gone: its remoting port refuses connections.
/// </summary>
/// <remarks>
/// <para>
/// The Split Brain Resolver must wait (failure detector pause, then stable-after) because silence alone cannot
/// tell a dead node from a slow or cut-off one. But when a daemon is killed, its host still answers TCP and the
/// kernel refuses the connection: nothing listens on that port, so no actor system with that member's identity
/// exists any more, and it can never come back (a restarted daemon is a new member, another UID). Downing it is
/// then safe and removes the ~4-5 s of stable-after from a failover; and the master, told
/// <see cref="Messages.HostProtocol.NodeGone"/>, moves that host's instances at once instead of waiting for the
/// member's removal (which needs the failure detector to mark the downed member unreachable first).
/// This is Akka's documented use of <see cref="Cluster.Down"/>: downing by outside knowledge.
/// </para>
/// <para>
/// The trigger is remoting's own view: a disassociation or association error with a member's address, or the
/// member becoming unreachable. The node then probes the address twice, <see cref="ProbeGap"/> apart; only two
/// refusals down it, and only the cluster leader acts (any member may down; one is enough), and only when it still
/// reaches a majority without the suspect (see <see cref="MajorityWithout"/>). A timeout or a network error is not
/// proof: a partition is left to the Split Brain Resolver, which keeps a majority.
/// </para>
/// </remarks>
internal sealed class DeadNodeDowner : ReceiveActor
{
    private static readonly TimeSpan ProbeGap = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _probing = [];
    private readonly IActorRef _master;

    public DeadNodeDowner(IActorRef master)
    {
        _master = master;
        Receive<DisassociatedEvent>(e => Suspect(e.RemoteAddress));
        Receive<AssociationErrorEvent>(e => Suspect(e.RemoteAddress));
        Receive<ClusterEvent.UnreachableMember>(e => Suspect(e.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ProbeDone>(OnProbed);
    }

    /// <param name="master">The master singleton's proxy, told <see cref="Messages.HostProtocol.NodeGone"/>.</param>
    public static Props Props(IActorRef master) => Akka.Actor.Props.Create(() => new DeadNodeDowner(master));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        Context.System.EventStream.Subscribe(Self, typeof(AssociationErrorEvent));
        _cluster.Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.UnreachableMember));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    private Member? MemberAt(Address address) =>
        // Up or joining only: a member that is leaving exits on its own, its refused port is no news.
        _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining);

    private void Suspect(Address address)
    {
        if (address.Equals(_cluster.SelfAddress) || address.Host is null || address.Port is null) return;
        if (MemberAt(address) is null || !_probing.Add(address)) return;
        var self = Self;
        ProbeTwiceAsync(address.Host, address.Port.Value).ContinueWith(t => self.Tell(new ProbeDone(address, t.IsCompletedSuccessfully && t.Result)),
            TaskScheduler.Default);
    }

    private void OnProbed(ProbeDone done)
    {
        _probing.Remove(done.Address);
        if (!done.Refused) return;
        var member = MemberAt(done.Address);
        if (member is null) return;
        var leader = _cluster.State.Leader;
        if (leader is not null && !leader.Equals(_cluster.SelfAddress) && !leader.Equals(done.Address)) return;
        if (!MajorityWithout(done.Address))
        {
            _log.Warning("not downing {0}: its remoting port refuses connections, but this node does not reach a majority of the " +
                         "cluster without it (a firewall rejecting with resets looks the same as a dead process); the split brain resolver decides", done.Address);
            return;
        }
        _log.Warning("downing {0}: its remoting port refuses connections, so its process is gone (pbm.cluster.down-refused-nodes)", done.Address);
        _cluster.Down(done.Address);
        _master.Tell(new Messages.HostProtocol.NodeGone(done.Address.ToString()));
    }

    /// <summary>
    /// Whether the members this node still reaches, itself included and the suspect excluded, are a strict majority of
    /// the cluster. A refusal cannot tell a dead process from a firewall that rejects with TCP resets: behind such a
    /// firewall, the isolated node sees every other member refuse and, as leader of its own view, would down them all
    /// and run on alone (two clusters, two masters, instances run twice). Only one side of any split can hold a strict
    /// majority, so only that side may down by refusal; anything else is left to the split brain resolver.
    /// </summary>
    private bool MajorityWithout(Address suspect)
    {
        var state = _cluster.State;
        var members = state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving).ToList();
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var reached = members.Count(m => !m.Address.Equals(suspect) && !unreachable.Contains(m.Address));
        return reached * 2 > members.Count;
    }

    /// <summary>True when both probes were refused by the kernel (no listener), false on anything else.</summary>
    private static async Task<bool> ProbeTwiceAsync(string host, int port)
    {
        if (!await RefusedAsync(host, port).ConfigureAwait(false)) return false;
        await Task.Delay(ProbeGap).ConfigureAwait(false);
        return await RefusedAsync(host, port).ConfigureAwait(false);
    }

    private static async Task<bool> RefusedAsync(string host, int port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            return false;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.ConnectionRefused;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record ProbeDone(Address Address, bool Refused);
}
