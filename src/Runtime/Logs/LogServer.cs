using Akka.Actor;
using Pbm.Client.Contracts;
using static Pbm.Runtime.Logs.LogProtocol;

namespace Pbm.Runtime.Logs;

/// <summary>
/// One per host, at /user/pbm-logs: serves this host's log files and log bus to whichever node answers `pbm logs`
/// in a cluster. Each <see cref="ReadLogs"/> gets a <see cref="LogSession"/> child of its own.
/// Strategy: a session that fails is stopped (its reader sees the lines stop, nothing else is affected).
/// </summary>
internal sealed class LogServer : ReceiveActor
{
    public const string Name = "pbm-logs";

    public LogServer(LogHub hub, string node)
    {
        Receive<ReadLogs>(r => Context.ActorOf(LogSession.Props(hub, node, r)));
        Receive<FlushLogs>(f => Sender.Tell(new LogsFlushed(node, hub.Flush(f.App, f.Index))));
    }

    public static Props Props(LogHub hub, string node) => Akka.Actor.Props.Create(() => new LogServer(hub, node));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
}

/// <summary>
/// One reader of this host's logs: subscribes to the log bus first (with follow), then reads the tail from the
/// files (a line written in between is seen twice at worst, never missed; the reader drops the repeat), sends
/// it in chunks, then forwards new lines in batches until the reader (watched, on whatever node) stops.
/// </summary>
internal sealed class LogSession : ReceiveActor
{
    /// <summary>Chunks stay far below Akka.Remote's frame (8 MiB): a line is at most 64 K characters.</summary>
    private const int ChunkChars = 512 * 1024;
    private const int ChunkLines = 2000;

    private readonly LogHub _hub;
    private readonly string _node;
    private readonly ReadLogs _request;
    private readonly CancellationTokenSource _stop = new();
    private LogSubscription? _subscription;

    public LogSession(LogHub hub, string node, ReadLogs request)
    {
        _hub = hub;
        _node = node;
        _request = request;
        Receive<Terminated>(_ => Context.Stop(Self));
        Receive<Finished>(_ => Context.Stop(Self));
    }

    public static Props Props(LogHub hub, string node, ReadLogs request) => Akka.Actor.Props.Create(() => new LogSession(hub, node, request));

    protected override void PreStart()
    {
        Context.Watch(_request.ReplyTo);
        if (_request.Follow) _subscription = _hub.Subscribe(_request.App, _request.Index, _request.Stream);
        var self = Self;
        Task.Run(() => RunAsync(self, _stop.Token)).ContinueWith(_ => self.Tell(Finished.Instance), TaskScheduler.Default);
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        _subscription?.Dispose();
    }

    /// <summary>Sent as <paramref name="self"/>: the reader knows which host's tail is complete by the sender's address.</summary>
    private async Task RunAsync(IActorRef self, CancellationToken ct)
    {
        var replyTo = _request.ReplyTo;
        var tail = new List<LogEntry>();
        var read = new HashSet<string>(StringComparer.Ordinal); // files shared by instances (merge_logs) are read once
        foreach (var t in _request.Instances)
        {
            if (ct.IsCancellationRequested) return;
            var mine = _request.Streams.Select(s => (s, Path: s == "out" ? _hub.OutPath(t.App, t.Index) : _hub.ErrPath(t.App, t.Index)))
                .Where(x => read.Add(x.Path))
                .SelectMany(x => LogTail.Read(x.Path, t.App, t.Index, x.s, _request.Lines)).ToList();
            if (mine.Count > _request.Lines)
                mine = mine.OrderBy(e => e.At ?? DateTimeOffset.MinValue).Skip(mine.Count - _request.Lines).ToList();
            tail.AddRange(mine);
        }
        foreach (var chunk in Chunks(tail)) replyTo.Tell(new LogLines(_node, chunk, true, false), self);
        replyTo.Tell(new LogLines(_node, [], true, true), self);
        if (_subscription is null) return;
        var reader = _subscription.Lines;
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                var batch = new List<LogEntry>();
                var chars = 0;
                while (batch.Count < ChunkLines && chars < ChunkChars && reader.TryRead(out var e))
                {
                    batch.Add(e with { Host = _node });
                    chars += e.Message.Length;
                }
                replyTo.Tell(new LogLines(_node, batch, false, false), self);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private IEnumerable<List<LogEntry>> Chunks(List<LogEntry> entries)
    {
        var chunk = new List<LogEntry>();
        var chars = 0;
        foreach (var e in entries)
        {
            if (chunk.Count > 0 && (chunk.Count >= ChunkLines || chars + e.Message.Length > ChunkChars))
            {
                yield return chunk;
                chunk = [];
                chars = 0;
            }
            chunk.Add(e with { Host = _node });
            chars += e.Message.Length;
        }
        if (chunk.Count > 0) yield return chunk;
    }

    private sealed record Finished
    {
        public static readonly Finished Instance = new();
    }
}
