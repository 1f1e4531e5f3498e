using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;

namespace Pbm.Runtime.Master;

/// <summary>
/// On every node: seeds the replicated state with this node's file at start (so a restarted cluster finds
/// the newest state any node kept), then writes every newer revision to the local file.
/// </summary>
internal sealed class StateReplica : ReceiveActor
{
    private readonly StateStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _revision;

    public StateReplica(StateStore store, StateSnapshot local)
    {
        _store = store;
        _revision = local.Revision;
        var replicator = ReplicatedState.Replicator(Context.System);
        if (local.Revision > 0)
            replicator.Tell(ReplicatedState.Write(Cluster.Get(Context.System), local, WriteLocal.Instance));
        replicator.Tell(Dsl.Subscribe(ReplicatedState.Key, Self));

        Receive<Changed>(c =>
        {
            if (c.Get(ReplicatedState.Key).Value is not { Length: > 0 } json) return;
            var snapshot = ReplicatedState.FromJson(json);
            if (snapshot is null || snapshot.Revision <= _revision) return;
            try
            {
                _store.Save(snapshot);
                _revision = snapshot.Revision;
            }
            catch (IOException e)
            {
                _log.Error(e, "cannot write the state replica to {0}", _store.Path);
            }
        });
        Receive<UpdateSuccess>(_ => { });
        Receive<IUpdateFailure>(_ => { });
    }

    public static Props Props(StateStore store, StateSnapshot local) => Akka.Actor.Props.Create(() => new StateReplica(store, local));
}
