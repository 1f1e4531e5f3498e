using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static Pbm.Runtime.Gateway.GatewayProtocol;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// One per host of a cluster, at /user/pbm-gateway: makes every host's gateway route to the ready instances of
/// every host. It announces what this host's gateway serves (its routes and its own ready instances, at the
/// advertised address) to the directory of every other host whenever that changes, and gives this host's gateway
/// the union of what the others announce:
/// <list type="bullet">
/// <item>a route for each app another host runs, so every host opens every app's public port (a port it cannot
/// bind is logged: that host then does not serve that app);</item>
/// <item>the other hosts' ready instances, in the same round-robin rotation as this host's own. A host that
/// becomes unreachable has its instances taken out at once (they come back if it does); a host that is downed
/// or leaves is forgotten.</item>
/// </list>
/// Draining across hosts: when an instance of this host leaves the rotation before a stop, the stop waits (up
/// to kill-timeout) until every reachable host has answered the announcement with <see cref="Drained"/>, which a
/// host sends once it took the instance out and its own requests to it finished.
/// Lost messages (remoting is at most once) are repaired by a digest of the state's version every 2 s.
/// </summary>
internal sealed class GatewayDirectory : ReceiveActor, IWithTimers
{
    public const string Name = "pbm-gateway";
    private const string HostRole = "host";
    private static readonly TimeSpan DigestInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxDrain = TimeSpan.FromMinutes(2);

    private readonly PbmGateway _gateway;
    private readonly string _node;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<UniqueAddress, bool> _members = [];
    private readonly Dictionary<UniqueAddress, Peer> _peers = [];
    private readonly HashSet<UniqueAddress> _gone = [];
    private readonly Dictionary<UniqueAddress, long> _acked = [];
    private readonly List<(long Seq, TaskCompletionSource Done)> _waiters = [];
    private readonly Action _onLocalChange;
    private readonly Func<IReadOnlyCollection<RouteSpec>, Task> _setRoutes;
    private long _seq = DateTime.UtcNow.Ticks;
    private bool _publishPending;
    private bool _routesBusy;
    private bool _routesDirty;
    private List<RouteSpec> _routesApplied = [];

    /// <param name="setRoutes">How the other hosts' routes are opened: the gateway's own (tests give one that fails).</param>
    public GatewayDirectory(PbmGateway gateway, string node, Func<IReadOnlyCollection<RouteSpec>, Task>? setRoutes = null)
    {
        _gateway = gateway;
        _node = node;
        _setRoutes = setRoutes ?? gateway.SetRemoteRoutesAsync;
        var self = Self;
        _onLocalChange = () => self.Tell(LocalChanged.Instance);

        Receive<LocalChanged>(_ =>
        {
            if (_publishPending) return;
            _publishPending = true;
            Self.Tell(Publish.Instance);
        });
        Receive<Publish>(_ =>
        {
            _publishPending = false;
            _seq++;
            var announce = Snapshot();
            foreach (var member in _members.Keys) DirectoryOf(member.Address).Tell(announce);
            // A route this host just opened for itself gets the other hosts' instances too.
            ApplyDestinations();
        });
        Receive<DigestTick>(_ =>
        {
            var digest = new Digest(_cluster.SelfAddress.ToString(), _cluster.SelfUniqueAddress.Uid, _seq);
            foreach (var member in _members.Keys) DirectoryOf(member.Address).Tell(digest);
            ExpireWaiters();
        });
        Receive<Announce>(OnAnnounce);
        Receive<Digest>(d =>
        {
            var from = Unique(d.Address, d.Uid);
            if (from is null || _gone.Contains(from)) return;
            if (!_peers.TryGetValue(from, out var peer) || peer.Seq < d.Seq) Sender.Tell(Resend.Instance);
        });
        Receive<Resend>(_ => Sender.Tell(Snapshot()));
        Receive<Drained>(d =>
        {
            if (Unique(d.Address, d.Uid) is not { } from) return;
            if (!_acked.TryGetValue(from, out var seq) || seq < d.Seq) _acked[from] = d.Seq;
            CheckWaiters();
        });
        Receive<AckReady>(a =>
        {
            if (!_peers.TryGetValue(a.Owner, out var peer) || !peer.Outstanding.TryGetValue(a.Seq, out var left)) return;
            peer.Outstanding[a.Seq] = left - 1;
            Ack(a.Owner);
        });
        Receive<AwaitDrain>(w =>
        {
            // The removal is in the next announcement when one is pending, else in the last one.
            _waiters.Add((_publishPending ? _seq + 1 : _seq, w.Done));
            CheckWaiters();
        });
        Receive<RoutesApplied>(m =>
        {
            _routesBusy = false;
            if (m.Error is not null)
            {
                // Not applied: tried again at the next digest tick (or sooner, should the routes change).
                _log.Warning("gateway: applying the other hosts' routes failed: {0}; trying again", m.Error);
                _routesApplied = [];
                _routesDirty = true;
                return;
            }
            ApplyDestinations();
            if (_routesDirty) ApplyRoutes();
        });

        Receive<ClusterEvent.MemberUp>(m => Joined(m.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(m => Joined(m.Member));
        Receive<ClusterEvent.UnreachableMember>(m => SetReachable(m.Member, false));
        Receive<ClusterEvent.ReachableMember>(m =>
        {
            SetReachable(m.Member, true);
            // It may have missed announcements while the link was down.
            if (_members.ContainsKey(m.Member.UniqueAddress)) DirectoryOf(m.Member.Address).Tell(Snapshot());
        });
        Receive<ClusterEvent.MemberDowned>(m => Gone(m.Member));
        Receive<ClusterEvent.MemberLeft>(m => Gone(m.Member));
        Receive<ClusterEvent.MemberExited>(m => Gone(m.Member));
        Receive<ClusterEvent.MemberRemoved>(m => Gone(m.Member));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PbmGateway gateway, string node, Func<IReadOnlyCollection<RouteSpec>, Task>? setRoutes = null) =>
        Akka.Actor.Props.Create(() => new GatewayDirectory(gateway, node, setRoutes));

    protected override void PreStart()
    {
        _gateway.LocalChanged += _onLocalChange;
        var self = Self;
        _gateway.ClusterDrain = (_, _) =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            self.Tell(new AwaitDrain(done));
            return done.Task;
        };
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("digest", DigestTick.Instance, DigestInterval);
    }

    protected override void PostStop()
    {
        _gateway.LocalChanged -= _onLocalChange;
        _gateway.ClusterDrain = null;
        _cluster.Unsubscribe(Self);
        foreach (var w in _waiters) w.Done.TrySetResult();
        _waiters.Clear();
    }

    private ActorSelection DirectoryOf(Address address) => Context.ActorSelection(new RootActorPath(address) / "user" / Name);

    private Announce Snapshot()
    {
        var advertised = _gateway.Settings.AdvertisedAddress;
        var routes = _gateway.LocalRoutes()
            .Select(r => new AnnouncedRoute(r.Spec.App, r.Spec.Port, r.Spec.PathPrefix, r.Spec.Host, r.Spec.Sticky,
                r.Ready.Select(d => new AnnouncedDestination(d.InstanceId, advertised, d.Port)).ToList()))
            .OrderBy(r => r.App, StringComparer.Ordinal)
            .ToList();
        return new Announce(_node, _cluster.SelfAddress.ToString(), _cluster.SelfUniqueAddress.Uid, _seq, routes);
    }

    private UniqueAddress? Unique(string address, int uid)
    {
        try
        {
            return new UniqueAddress(Address.Parse(address), uid);
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private void OnAnnounce(Announce a)
    {
        if (Unique(a.Address, a.Uid) is not { } from || from.Equals(_cluster.SelfUniqueAddress) || _gone.Contains(from)) return;
        if (!_peers.TryGetValue(from, out var peer))
        {
            peer = new Peer(a.Node, Sender) { Reachable = !_cluster.State.Unreachable.Any(m => m.UniqueAddress.Equals(from)) };
            _peers[from] = peer;
            _log.Info("gateway: host {0} announces {1} route(s)", a.Node, a.Routes.Count);
        }
        peer.ReplyTo = Sender;
        if (a.Seq > peer.Seq)
        {
            peer.Seq = a.Seq;
            var before = peer.Destinations;
            var now = new Dictionary<(string App, string Id, string Address, int Port), Destination>();
            foreach (var route in a.Routes)
                foreach (var d in route.Ready)
                {
                    var key = (route.App, d.Id, d.Address, d.Port);
                    now[key] = before.TryGetValue(key, out var same) ? same : new Destination(d.Id, d.Port, d.Address, a.Node);
                }
            peer.Destinations = now;
            peer.Routes = a.Routes.Select(r => new RouteSpec(r.App, r.Port, r.Path, r.Host, r.Sticky)).ToList();
            ApplyDestinations();
            ApplyRoutes();
            // Out of rotation now; the owner waits (before stopping them) until their requests from here are done.
            var removed = before.Where(kv => !now.ContainsKey(kv.Key)).Select(kv => kv.Value).Where(d => d.InFlight > 0).ToList();
            if (removed.Count > 0)
            {
                peer.Outstanding[a.Seq] = removed.Count;
                var ack = new AckReady(from, a.Seq);
                foreach (var d in removed) PbmGateway.DrainAsync(d, MaxDrain).PipeTo(Self, success: () => ack, failure: _ => ack);
            }
        }
        Ack(from);
    }

    /// <summary>Tells the owner up to which announcement every instance it removed is drained here.</summary>
    private void Ack(UniqueAddress owner)
    {
        if (!_peers.TryGetValue(owner, out var peer)) return;
        var ackable = peer.Seq;
        foreach (var seq in peer.Outstanding.Keys.ToList())
        {
            if (peer.Outstanding[seq] > 0) break;
            peer.Outstanding.Remove(seq);
        }
        if (peer.Outstanding.Count > 0) ackable = peer.Outstanding.Keys[0] - 1;
        if (ackable <= peer.AckedUpTo) return;
        peer.AckedUpTo = ackable;
        peer.ReplyTo.Tell(new Drained(_cluster.SelfAddress.ToString(), _cluster.SelfUniqueAddress.Uid, ackable));
    }

    private void Joined(Member m)
    {
        if (!m.HasRole(HostRole) || m.UniqueAddress.Equals(_cluster.SelfUniqueAddress) || _gone.Contains(m.UniqueAddress)) return;
        if (_members.ContainsKey(m.UniqueAddress)) return;
        _members[m.UniqueAddress] = !_cluster.State.Unreachable.Contains(m);
        DirectoryOf(m.Address).Tell(Snapshot());
        ApplyDestinations();
    }

    private void SetReachable(Member m, bool reachable)
    {
        if (_members.ContainsKey(m.UniqueAddress)) _members[m.UniqueAddress] = reachable;
        if (_peers.TryGetValue(m.UniqueAddress, out var peer) && peer.Reachable != reachable)
        {
            peer.Reachable = reachable;
            // Back in rotation as new destinations: the old ones were taken out (a gateway may have closed them for good).
            if (reachable)
                peer.Destinations = peer.Destinations.ToDictionary(kv => kv.Key, kv => new Destination(kv.Value.InstanceId, kv.Value.Port, kv.Value.Address, peer.Node));
            _log.Info("gateway: host {0} is {1}: its instances are {2} the rotation", peer.Node, reachable ? "reachable again" : "unreachable",
                reachable ? "back in" : "out of");
        }
        ApplyDestinations();
        CheckWaiters();
    }

    private void Gone(Member m)
    {
        if (m.UniqueAddress.Equals(_cluster.SelfUniqueAddress)) return;
        _gone.Add(m.UniqueAddress);
        _members.Remove(m.UniqueAddress);
        _acked.Remove(m.UniqueAddress);
        if (_peers.Remove(m.UniqueAddress, out var peer))
        {
            _log.Info("gateway: host {0} left the cluster: its instances and routes are forgotten", peer.Node);
            ApplyDestinations();
            ApplyRoutes();
        }
        CheckWaiters();
    }

    /// <summary>The reachable hosts' ready instances into this host's routes (at once, synchronously).</summary>
    private void ApplyDestinations()
    {
        var byApp = new Dictionary<string, List<Destination>>(StringComparer.Ordinal);
        foreach (var peer in _peers.Values.Where(p => p.Reachable))
            foreach (var ((app, _, _, _), d) in peer.Destinations)
            {
                if (!byApp.TryGetValue(app, out var list)) byApp[app] = list = [];
                list.Add(d);
            }
        _gateway.SetRemoteDestinations(byApp);
    }

    /// <summary>Opens and closes this host's listeners for the routes the others announce (one change at a time).</summary>
    private void ApplyRoutes()
    {
        var wanted = _peers.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal)
            .SelectMany(p => p.Value.Routes)
            .GroupBy(r => r.App, StringComparer.Ordinal)
            .Select(g => g.First())
            .OrderBy(r => r.App, StringComparer.Ordinal)
            .ToList();
        if (wanted.SequenceEqual(_routesApplied))
        {
            _routesDirty = false;
            return;
        }
        if (_routesBusy)
        {
            _routesDirty = true;
            return;
        }
        _routesBusy = true;
        _routesDirty = false;
        _routesApplied = wanted;
        // The outcome comes back as a message (nothing of this actor is touched off its thread), a failure included.
        Start(() => _setRoutes(wanted)).PipeTo(Self, success: () => RoutesApplied.Ok, failure: e => new RoutesApplied(e is AggregateException a ? a.Flatten().InnerExceptions[0].Message : e.Message));
    }

    private void CheckWaiters()
    {
        if (_waiters.Count == 0) return;
        // Every reachable host must have taken the removed instance out (and drained it); unreachable ones send nothing.
        var required = _members.Where(m => m.Value).Select(m => m.Key).ToList();
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            var (seq, done) = _waiters[i];
            if (done.Task.IsCompleted || required.All(m => _acked.TryGetValue(m, out var acked) && acked >= seq))
            {
                done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private void ExpireWaiters()
    {
        // The caller stops waiting at its own timeout; forget those it gave up on.
        _waiters.RemoveAll(w => w.Done.Task.IsCompleted);
        if (_routesDirty && !_routesBusy) ApplyRoutes();
    }

    private sealed class Peer(string node, IActorRef replyTo)
    {
        public string Node { get; } = node;
        public IActorRef ReplyTo { get; set; } = replyTo;
        public long Seq { get; set; } = long.MinValue;
        public bool Reachable { get; set; } = true;
        public Dictionary<(string App, string Id, string Address, int Port), Destination> Destinations { get; set; } = [];
        public List<RouteSpec> Routes { get; set; } = [];
        /// <summary>Announcements whose removed instances still have requests in flight here, with how many.</summary>
        public SortedList<long, int> Outstanding { get; } = [];
        public long AckedUpTo { get; set; } = long.MinValue;
    }

    private sealed record LocalChanged
    {
        public static readonly LocalChanged Instance = new();
    }

    private sealed record Publish
    {
        public static readonly Publish Instance = new();
    }

    private sealed record DigestTick
    {
        public static readonly DigestTick Instance = new();
    }

    /// <summary>The other hosts' routes are applied (<paramref name="Error"/>: or not).</summary>
    private sealed record RoutesApplied(string? Error)
    {
        public static readonly RoutesApplied Ok = new((string?)null);
    }

    /// <summary>The task of <paramref name="start"/>, or a failed one should it throw before returning one.</summary>
    private static Task Start(Func<Task> start)
    {
        try
        {
            return start();
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private sealed record AwaitDrain(TaskCompletionSource Done);

    private sealed record AckReady(UniqueAddress Owner, long Seq);
}
