using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace Pbm.Runtime.Master;

/// <summary>
/// How desired state survives the loss of any node and a restart of the whole cluster. The master writes each
/// change (a <see cref="StateSnapshot"/> with a growing revision) to its local file and to an Akka.DistributedData
/// LWW register whose clock is the revision, written to a majority at once; every node keeps the register's
/// latest value in its own PBM_HOME/state/apps.json (<see cref="StateReplica"/>). A new master on any node
/// starts from the highest revision it can read; after a full restart each node seeds the register with its
/// file, and the highest revision wins. DistributedData's own durable store (LightningDB) does not load on
/// this platform, hence the files.
/// </summary>
internal static class ReplicatedState
{
    public static readonly LWWRegisterKey<string> Key = new("pbm-state");

    public static string ToJson(StateSnapshot s) => Encoding.UTF8.GetString(StateStore.Serialize(s));

    public static StateSnapshot? FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? null : StateStore.Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>An update that sets the register to <paramref name="snapshot"/>, timestamped by its revision.</summary>
    public static Update Write(Cluster cluster, StateSnapshot snapshot, IWriteConsistency consistency, object? request = null)
    {
        var json = ToJson(snapshot);
        var self = cluster.SelfUniqueAddress;
        return Dsl.Update(Key, new LWWRegister<string>(self, "", 0), consistency, request,
            register => snapshot.Revision >= register.Timestamp ? register.WithValue(self, json, (_, _) => snapshot.Revision) : register);
    }

    public static IActorRef Replicator(ActorSystem system) => DistributedData.Get(system).Replicator;
}
