using Akka.Actor;
using Pbm.Client.Contracts;
using Pbm.Runtime.Actors;
using static Pbm.Runtime.Messages.HostProtocol;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// Reads: pbm list, show and hosts, and the instances a command answers with. Each asks the hosts through a
/// <see cref="Gather"/> child, which builds the answer from snapshots taken here (never from this actor's fields).
/// </summary>
internal sealed partial class MasterActor
{
    private void ReplyList()
    {
        var records = _apps.Values.OrderBy(a => a.Spec.Name).ToList();
        var warnings = _warnings.ToList();
        var rollouts = new Dictionary<string, RolloutInfo>(_rollouts);
        var scaling = AutoscaleSnapshot();
        Query(new ListInstances(null), replies =>
        {
            var (instances, hosts, answered) = Collect(replies);
            return new ListResult(records.Select(r => ToInfo(r, instances, rollouts, answered) with { Autoscale = scaling.GetValueOrDefault(r.Spec.Name) }).ToList(), warnings)
                { Hosts = hosts };
        });
    }

    private void ReplyApp(string app)
    {
        var record = _apps[app];
        var rollouts = new Dictionary<string, RolloutInfo>(_rollouts);
        var scaling = _autoscaler.Info(app);
        Query(new ListInstances(app), replies =>
        {
            var (instances, hosts, answered) = Collect(replies);
            return ToInfo(record, instances, rollouts, answered) with { Hosts = hosts, Autoscale = scaling };
        });
    }

    private void ReplyHosts() =>
        Query(GetHostReport.Instance, replies => new Hosts(replies.OfType<HostReport>().Select(r => r.Info).OrderBy(h => h.Node).ToList()));

    /// <summary>Answers <paramref name="replyTo"/> with <paramref name="message"/> and the instances of <paramref name="app"/> (all when null).</summary>
    private void ReplyWithInstances(string message, string? app, IActorRef replyTo) =>
        Query(new ListInstances(app), replies => new OperationResult(message, Collect(replies).Instances), replyTo);

    /// <summary>Asks every reachable host agent <paramref name="question"/>; a host silent for <see cref="PbmSettings.ListWait"/> is left out.</summary>
    private void Query(object question, Func<IReadOnlyList<object>, object> answer, IActorRef? replyTo = null) =>
        Context.ActorOf(Gather.Props(ReachableHosts(), question, _settings.ListWait, answer, replyTo ?? Sender));

    /// <summary>
    /// The host agents worth asking: not those on a member the failure detector already marks unreachable (their
    /// instances are listed as unknown at once), so that every `pbm list` during a failover answers in
    /// milliseconds instead of waiting out the list's wait for a host that is gone.
    /// </summary>
    private List<IActorRef> ReachableHosts()
    {
        var unreachable = _cluster.State.Unreachable.Select(m => m.Address).ToHashSet();
        return _hosts.Values.Where(h => !unreachable.Contains(h.Path.Address.HasLocalScope ? _cluster.SelfAddress : h.Path.Address)).ToList();
    }

    private static (IReadOnlyList<InstanceInfo> Instances, IReadOnlyList<HostStats> Hosts, IReadOnlySet<string> Answered) Collect(IReadOnlyList<object> replies)
    {
        var answered = replies.OfType<HostInstances>().ToList();
        return (answered.SelectMany(a => a.Instances).ToList(), answered.Where(a => a.Stats is not null).Select(a => a.Stats!).ToList(),
            answered.Select(a => a.Node).ToHashSet(StringComparer.Ordinal));
    }

    // Runs in a Gather: it must only read the snapshots it is given, never the actor's fields.
    private static AppInfo ToInfo(AppRecord record, IReadOnlyList<InstanceInfo> all, IReadOnlyDictionary<string, RolloutInfo> rollouts,
        IReadOnlySet<string> answered) => new()
    {
        Spec = record.Spec,
        Running = record.Running,
        Instances = all.Where(i => i.App == record.Spec.Name)
            .Concat(Enumerable.Range(0, record.Spec.Instances).Where(i => !record.Where.ContainsKey(i)).Select(i => new InstanceInfo
            {
                Id = $"{record.Spec.Name}:{i}", App = record.Spec.Name, Index = i, PmId = PmIdOf(record, i), Host = "-", Status = InstanceStatus.Pending,
                Reason = "no host can run it: none registered, or none allowed by --hosts / --max-per-host", Version = record.Spec.Version,
            }))
            // Placed on a host that did not answer (dying, partitioned): shown, not silently left out.
            .Concat(record.Where
                .Where(kv => !answered.Contains(kv.Value) && !all.Any(i => i.App == record.Spec.Name && i.Index == kv.Key))
                .Select(kv => new InstanceInfo
                {
                    Id = $"{record.Spec.Name}:{kv.Key}", App = record.Spec.Name, Index = kv.Key, PmId = PmIdOf(record, kv.Key), Host = kv.Value, Status = InstanceStatus.Unknown,
                    Reason = $"host {kv.Value} did not answer", Version = record.Spec.Version,
                }))
            .OrderBy(i => i.Index).ThenBy(i => i.Status == InstanceStatus.Disconnected).ToList(),
        Rollout = rollouts.GetValueOrDefault(record.Spec.Name),
        PreviousVersion = record.Previous?.Version,
    };

    private static int? PmIdOf(AppRecord record, int index) =>
        record.Spec.InstanceIds is { } ids && ids.TryGetValue(index, out var id) ? id : null;
}
