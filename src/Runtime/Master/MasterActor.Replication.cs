using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// Desired state in and out (see <see cref="ReplicatedState"/>): read when the master starts, written on every
/// change, adopted when another node holds a newer revision.
/// </summary>
internal sealed partial class MasterActor
{
    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(2);
    private const string MajorityRead = "majority";
    private const string LocalRead = "local";
    private const string FileRead = "file";

    /// <summary>The state in this node's file now (its problems were reported when the node started), or null.</summary>
    private StateSnapshot? LocalFile()
    {
        try
        {
            return File.Exists(_store.Path) ? StateStore.Read(_store.Path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException)
        {
            _log.Warning("cannot read this node's state file {0}: {1}", _store.Path, e.Message);
            return null;
        }
    }

    protected override void PreStart() =>
        _replicator.Tell(Dsl.Get(ReplicatedState.Key, new ReadMajority(ReadWait), MajorityRead));

    /// <summary>
    /// Until the replicated state has been read (or found missing), commands wait in the stash. A majority read
    /// that fails (the other nodes are still starting, or partitioned) falls back to this node's replica: the
    /// latest revision this node has seen, which a master that moved here must start from (not the state this
    /// node read from its file when it started, which may be long stale by then).
    /// </summary>
    private void Loading()
    {
        Receive<GetSuccess>(g => g.Key.Equals(ReplicatedState.Key),
            g => Loaded(ReplicatedState.FromJson(g.Get(ReplicatedState.Key).Value), g.Request as string ?? MajorityRead));
        Receive<NotFound>(n => n.Key.Equals(ReplicatedState.Key), n => Loaded(null, n.Request as string ?? MajorityRead));
        Receive<GetFailure>(f => f.Key.Equals(ReplicatedState.Key), _ =>
        {
            _log.Warning("a majority of nodes did not answer the state read within {0} s; starting from this node's replica", ReadWait.TotalSeconds);
            _replicator.Tell(Dsl.Get(ReplicatedState.Key, ReadLocal.Instance, LocalRead));
        });
        Receive<GetReadiness>(_ => Sender.Tell(new Readiness(false, _warnings.ToList())));
        ReceiveAny(_ => Stash.Stash());
    }

    private void Loaded(StateSnapshot? state, string source)
    {
        // This node's file, as its StateReplica keeps it: newer than what was read when the read raced the replica's
        // seeding of the register at start (seen under load: a restarted daemon listed no apps). Revisions only grow,
        // so the higher one is the newer state wherever it was read.
        if (LocalFile() is { } file && file.Revision > (state?.Revision ?? -1))
            (state, source) = (file, FileRead);
        state ??= StateSnapshot.Empty;
        _revision = state.Revision;
        foreach (var app in state.Apps) _apps[app.Spec.Name] = app;
        // A state written before pm_ids existed gets them now, in name order.
        foreach (var app in _apps.Values.OrderBy(a => a.Spec.Name, StringComparer.Ordinal).ToList())
            _apps[app.Spec.Name] = app with { Spec = InstanceIds.Assign(app.Spec, _apps.Values.Select(a => a.Spec)) };
        _log.Info("master started with {0} apps at revision {1} (read from {2})", _apps.Count, _revision,
            source switch { LocalRead => "this node's replica", FileRead => "this node's state file", _ => "a majority of nodes" });
        foreach (var problem in state.Problems.Select(p => $"replicated state: {p}")) { _log.Warning("{0}", problem); _warnings.Add(problem); }
        _replicator.Tell(Dsl.Subscribe(ReplicatedState.Key, Self));
        Timers.StartSingleTimer("grace", GraceOver.Instance, _settings.HostGrace);
        Become(Ready);
        Stash.UnstashAll();
    }

    /// <summary>Writes the state at a new revision: the local file at once (durable before we answer), a majority of nodes right after.</summary>
    private void Persist()
    {
        _revision++;
        var snapshot = new StateSnapshot(_revision, _apps.Values.ToList());
        _store.Save(snapshot);
        _replicator.Tell(ReplicatedState.Write(_cluster, snapshot, new WriteMajority(TimeSpan.FromSeconds(3))));
    }

    /// <summary>Another node holds a newer state than ours (a restarted cluster converging): adopt it.</summary>
    private void OnReplicatedChange(Changed c)
    {
        var snapshot = ReplicatedState.FromJson(c.Get(ReplicatedState.Key).Value);
        if (snapshot is null || snapshot.Revision <= _revision) return;
        _log.Info("adopting replicated state at revision {0} (ours was {1})", snapshot.Revision, _revision);
        _revision = snapshot.Revision;
        _apps.Clear();
        foreach (var app in snapshot.Apps) _apps[app.Spec.Name] = app;
        foreach (var node in _hosts.Keys) SendAssignments(node);
    }
}
