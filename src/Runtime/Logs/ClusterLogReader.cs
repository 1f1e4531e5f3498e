using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Pbm.Client.Contracts;
using static Pbm.Runtime.Logs.LogProtocol;

namespace Pbm.Runtime.Logs;

/// <summary>
/// `pbm logs` in a cluster, on the node that answers: asks the log server of every reachable host for its part
/// (<see cref="ReadLogs"/>), gathers the tails (a host that does not answer within the timeout is left out of the
/// tail, and named), then hands out followed lines as they come, from every host, including hosts that join while
/// following. Stopping the reader (disposing) stops every host's session: they watch it.
/// </summary>
internal sealed class ClusterLogReader : IDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _collector;
    private readonly TaskCompletionSource<(List<LogEntry> Tail, List<string> Silent)> _tail = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<LogEntry> _follow = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
    });

    public ClusterLogReader(ActorSystem system, ReadLogs request, TimeSpan tailTimeout)
    {
        _system = system;
        _collector = system.ActorOf(Props.Create(() => new Collector(request, tailTimeout, _tail, _follow.Writer)));
    }

    /// <summary>Every host's tail (unsorted) and the hosts that did not send theirs in time.</summary>
    public Task<(List<LogEntry> Tail, List<string> Silent)> TailAsync => _tail.Task;

    /// <summary>Followed lines, in the order they arrive (after the tail is complete).</summary>
    public ChannelReader<LogEntry> Lines => _follow.Reader;

    public void Dispose() => _system.Stop(_collector);

    private sealed class Collector : ReceiveActor, IWithTimers
    {
        private readonly ReadLogs _request;
        private readonly TaskCompletionSource<(List<LogEntry>, List<string>)> _tail;
        private readonly ChannelWriter<LogEntry> _follow;
        private readonly Cluster _cluster = Cluster.Get(Context.System);
        private readonly Dictionary<Address, string> _waiting = [];
        private readonly HashSet<UniqueAddress> _asked = [];
        private readonly List<LogEntry> _tailLines = [];
        private readonly List<LogEntry> _early = [];
        private readonly TimeSpan _timeout;
        private bool _tailDone;

        public Collector(ReadLogs request, TimeSpan timeout, TaskCompletionSource<(List<LogEntry>, List<string>)> tail, ChannelWriter<LogEntry> follow)
        {
            _request = request;
            _timeout = timeout;
            _tail = tail;
            _follow = follow;
            Receive<LogLines>(OnLines);
            Receive<TailTimeout>(_ => CompleteTail());
            // A host that joins (or becomes reachable again) while following: its new lines too (its tail was not asked for).
            Receive<ClusterEvent.MemberUp>(m => FollowToo(m.Member));
            Receive<ClusterEvent.ReachableMember>(m => FollowToo(m.Member));
            Receive<ClusterEvent.IMemberEvent>(_ => { });
            Receive<ClusterEvent.IReachabilityEvent>(_ => { });
            Receive<ClusterEvent.CurrentClusterState>(_ => { });
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart()
        {
            var state = _cluster.State;
            foreach (var m in state.Members.Where(m => m.HasRole("host") && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && !state.Unreachable.Contains(m)))
            {
                _asked.Add(m.UniqueAddress);
                _waiting[m.Address] = m.Address.ToString();
                Ask(m.Address, _request with { ReplyTo = Self });
            }
            if (_request.Follow) _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.ReachableMember));
            if (_waiting.Count == 0) CompleteTail();
            else Timers.StartSingleTimer("tail", TailTimeout.Instance, _timeout);
        }

        protected override void PostStop()
        {
            _cluster.Unsubscribe(Self);
            _tail.TrySetResult((_tailLines.ToList(), _waiting.Values.ToList()));
            _follow.TryComplete();
        }

        private void FollowToo(Member m)
        {
            if (_request.Follow && m.HasRole("host") && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && _asked.Add(m.UniqueAddress))
                Ask(m.Address, _request with { Instances = [], Lines = 0, ReplyTo = Self });
        }

        private void Ask(Address address, ReadLogs request) =>
            Context.ActorSelection(new RootActorPath(address) / "user" / LogServer.Name).Tell(request);

        private void OnLines(LogLines m)
        {
            if (m.Tail)
            {
                if (_tailDone) return;
                _tailLines.AddRange(m.Entries);
                if (!m.TailEnd) return;
                _waiting.Remove(Sender.Path.Address.HasLocalScope ? _cluster.SelfAddress : Sender.Path.Address);
                if (_waiting.Count == 0) CompleteTail();
                return;
            }
            if (!_tailDone)
            {
                _early.AddRange(m.Entries);
                return;
            }
            foreach (var e in m.Entries) _follow.TryWrite(e);
        }

        private void CompleteTail()
        {
            if (_tailDone) return;
            _tailDone = true;
            Timers.Cancel("tail");
            _tail.TrySetResult((_tailLines.ToList(), _waiting.Values.ToList()));
            _tailLines.Clear();
            foreach (var e in _early) _follow.TryWrite(e);
            _early.Clear();
            if (!_request.Follow) Context.Stop(Self);
        }

        private sealed record TailTimeout
        {
            public static readonly TailTimeout Instance = new();
        }
    }
}
