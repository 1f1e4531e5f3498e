using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using Pbm.Client.Contracts;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Master;

/// <summary>Hosts joining and leaving, and placement.</summary>
internal sealed partial class MasterActor
{
    private readonly HashSet<string> _lost = new(StringComparer.Ordinal);
    private const string HostRole = "host";
    private bool _graceOver;

    /// <summary>
    /// A host (re)registers: it gets the full list of what it should run (it starts what it lacks and stops
    /// what is no longer its own: reconciliation), and pending instances may now have somewhere to go.
    /// </summary>
    private void OnRegister(RegisterHost m)
    {
        Sender.Tell(new HostRegistered(m.Node));
        if (_hosts.TryGetValue(m.Node, out var known) && known.Equals(m.Agent)) return;
        if (known is not null) Context.Unwatch(known);
        if (known is not null) Gone(known);
        _hosts[m.Node] = m.Agent;
        _lost.Remove(m.Node);
        Context.Watch(m.Agent);
        _log.Info("host {0} registered", m.Node);
        if (GraceCanEnd() is { } why)
        {
            Timers.Cancel("grace");
            _graceOver = true;
            _log.Info("host grace period over early: {0}", why);
        }
        Replan($"host {m.Node} joined");
        SendAssignments(m.Node);
    }

    /// <summary>
    /// The grace period (pbm.cluster.host-grace) gives hosts named in the placement time to come back after a
    /// full-cluster restart. It ends early, with the reason, when waiting cannot help: every such host is back; or
    /// this master took over in a running cluster (its node has run longer than the grace: a failover, not a
    /// start) and every live member with the host role has registered, so the missing hosts are gone.
    /// </summary>
    private string? GraceCanEnd()
    {
        if (_graceOver) return null;
        var named = _apps.Values.SelectMany(a => a.Where.Values).Where(n => !_lost.Contains(n)).ToHashSet(StringComparer.Ordinal);
        if (named.All(_hosts.ContainsKey)) return "every host of the placement is back";
        var running = DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime;
        if (running < _settings.HostGrace * 2) return null;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var registered = _hosts.Values.Select(h => h.Path.Address.HasLocalScope ? cluster.SelfAddress : h.Path.Address).ToHashSet();
        var live = cluster.State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(HostRole)
            && !cluster.State.Unreachable.Contains(m)).ToList();
        return live.All(m => registered.Contains(m.Address))
            ? $"a failover: all {live.Count} live hosts registered, {string.Join(", ", named.Where(n => !_hosts.ContainsKey(n)))} did not"
            : null;
    }

    /// <summary>
    /// A host's full assignments; once it has applied them (or is still at it after command-wait: slow apps do not
    /// hold up readiness) the daemon counts as ready.
    /// </summary>
    private void SendAssignments(string node)
    {
        var assignments = new HostAssignments(_apps.Values.Where(a => a.Where.Values.Contains(node))
            .Select(a => new ApplyApp(a.Spec, a.IndicesOn(node), a.Running)).ToList());
        Converse([(node, assignments)], o =>
        {
            if (o.Failures.Count > 0) _log.Warning("host {0} could not apply all of its assignments: {1}", node, string.Join("; ", o.Failures));
            _initialised.Add(node);
        }, _ => _initialised.Add(node));
    }

    /// <summary>A host agent died (its node was downed, left, or crashed): its instances go to the survivors.</summary>
    private void OnHostTerminated(Terminated t) => HostGone(_hosts.FirstOrDefault(h => h.Value.Equals(t.ActorRef)).Key);

    /// <summary>
    /// A member was downed because its process is gone: its instances move at once. Its Terminated follows once
    /// the member is removed (it needs the failure detector to mark it unreachable first) and then finds nothing.
    /// </summary>
    private void OnNodeGone(NodeGone m) =>
        HostGone(_hosts.FirstOrDefault(h => !h.Value.Path.Address.HasLocalScope && h.Value.Path.Address.ToString() == m.Address).Key);

    private void HostGone(string? node)
    {
        if (node is null) return;
        Context.Unwatch(_hosts[node]);
        Gone(_hosts[node]);
        _hosts.Remove(node);
        _initialised.Remove(node);
        _lost.Add(node);
        _log.Warning("host {0} is gone; moving its instances to the other hosts", node);
        Replan($"host {node} left");
    }

    /// <summary>Places every unplaced instance (and those of lost hosts); persists and applies what changed.</summary>
    private void Replan(string why)
    {
        var changed = new List<(AppRecord Before, AppRecord After)>();
        foreach (var app in _apps.Values.ToList())
        {
            var placed = PlaceApp(app);
            if (SamePlacement(app.Where, placed.Where)) continue;
            _apps[app.Spec.Name] = placed;
            changed.Add((app, placed));
        }
        if (changed.Count == 0) return;
        _log.Info("{0}: re-placed {1}", why, string.Join(", ", changed.Select(c => c.After.Spec.Name)));
        try
        {
            Persist();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Error(e, "could not save the new placement");
        }
        foreach (var (before, after) in changed)
            foreach (var node in HostsOf(before).Union(HostsOf(after)))
                Converse([Apply(node, after)], o =>
                {
                    if (o.Failures.Count > 0) _log.Warning("applying {0} on {1} failed: {2}", after.Spec.Name, node, string.Join("; ", o.Failures));
                });
    }

    /// <summary>Every conversation in flight stops waiting for <paramref name="agent"/>: its host is gone.</summary>
    private void Gone(IActorRef agent)
    {
        foreach (var child in Context.GetChildren()) child.Tell(new Actors.Gather.Gone(agent));
    }

    /// <summary>The app with its instances placed (see <see cref="Placement"/>).</summary>
    private AppRecord PlaceApp(AppRecord app)
    {
        // Until the grace period is over, hosts named in the placement are expected back (a full restart).
        var keep = _hosts.Keys.ToHashSet(StringComparer.Ordinal);
        if (!_graceOver)
            foreach (var node in _apps.Values.SelectMany(a => a.Where.Values).Where(n => !_lost.Contains(n))) keep.Add(node);
        var load = _apps.Values.Where(a => a.Spec.Name != app.Spec.Name).SelectMany(a => a.Where.Values)
            .GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        var placed = Placement.Place(app.Spec, app.Where, keep, _hosts.Keys.ToList(), load);
        return app with { Spec = InstanceIds.Assign(app.Spec, _apps.Values.Select(a => a.Spec)), Placement = placed };
    }

    private static bool SamePlacement(IReadOnlyDictionary<int, string> a, IReadOnlyDictionary<int, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static IEnumerable<string> HostsOf(AppRecord app) => app.Where.Values.Distinct();

    private sealed record GraceOver
    {
        public static readonly GraceOver Instance = new();
    }
}
