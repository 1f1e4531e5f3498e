using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace Pbm.Runtime.Control;

/// <summary>Streams membership events of this node's view of the cluster into a channel (pbm cluster tail).</summary>
internal sealed class ClusterEventForwarder : ReceiveActor
{
    public ClusterEventForwarder(ChannelWriter<string> writer)
    {
        Receive<ClusterEvent.CurrentClusterState>(s =>
        {
            foreach (var m in s.Members) writer.TryWrite($"{DateTimeOffset.Now:HH:mm:ss.fff} Current {m.Status} {m.Address} [{string.Join(",", m.Roles)}]");
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
            writer.TryWrite($"{DateTimeOffset.Now:HH:mm:ss.fff} {e.GetType().Name} {e.Member.Address} [{string.Join(",", e.Member.Roles)}]"));
        Receive<ClusterEvent.UnreachableMember>(e => writer.TryWrite($"{DateTimeOffset.Now:HH:mm:ss.fff} UnreachableMember {e.Member.Address}"));
        Receive<ClusterEvent.ReachableMember>(e => writer.TryWrite($"{DateTimeOffset.Now:HH:mm:ss.fff} ReachableMember {e.Member.Address}"));
        Receive<ClusterEvent.LeaderChanged>(e => writer.TryWrite($"{DateTimeOffset.Now:HH:mm:ss.fff} LeaderChanged {e.Leader}"));
    }

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
