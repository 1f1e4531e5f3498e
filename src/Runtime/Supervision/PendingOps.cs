using Akka.Actor;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// An AppSupervisor's operations waiting on its workers (<see cref="PendingOp"/>), and the stop and restart requests
/// they sent, by id. Owned by the supervisor and used on its thread only; each operation's deadline is a timer of
/// the supervisor's, which hands the <see cref="Deadline"/> back here.
/// </summary>
/// <param name="isLaunching">Whether an instance is still "launching".</param>
/// <param name="deadline">How long an operation waits for its stops at most (2 x kill-timeout and the tree's kill-wait).</param>
internal sealed class PendingOps(ITimerScheduler timers, Func<int, bool> isLaunching, Func<TimeSpan> deadline)
{
    private readonly Dictionary<long, PendingOp> _ops = [];
    private readonly Dictionary<long, (IActorRef Worker, long Op, Action? Then)> _requests = [];
    private long _lastId;

    /// <summary>A new operation; <paramref name="complete"/> runs once it is done.</summary>
    public PendingOp New(IActorRef? replyTo, Action complete)
    {
        var op = new PendingOp(++_lastId, replyTo, complete);
        _ops[op.Id] = op;
        // A worker that never confirms (it cannot: kill-timeout and the tree's kill-wait bound a stop) must not hold the answer.
        timers.StartSingleTimer(Key(op.Id), new Deadline(op.Id), deadline());
        return op;
    }

    /// <summary>Asks a worker to stop (or restart) for <paramref name="op"/>; <paramref name="then"/> runs once it has.</summary>
    public void Stop(PendingOp op, IActorRef worker, bool restart, Action? then = null)
    {
        var id = ++_lastId;
        _requests[id] = (worker, op.Id, then);
        op.Requests.Add(id);
        worker.Tell(restart ? new Messages.WorkerProtocol.Restart(id) : new Messages.WorkerProtocol.Stop(id));
    }

    /// <summary>The op's requests are sent: it completes once they are confirmed and <paramref name="launching"/> left "launching".</summary>
    public void Await(PendingOp op, IEnumerable<int> launching)
    {
        op.Launching = launching.ToHashSet();
        Settle(op);
    }

    /// <summary>A worker answered a request (WorkerStopped).</summary>
    public void Confirmed(long request)
    {
        if (!_requests.Remove(request, out var r)) return;
        r.Then?.Invoke();
        if (!_ops.TryGetValue(r.Op, out var op)) return;
        op.Requests.Remove(request);
        Settle(op);
    }

    /// <summary>A worker ended: whatever was asked of it is done.</summary>
    public void Ended(IActorRef worker)
    {
        foreach (var request in _requests.Where(r => Equals(r.Value.Worker, worker)).Select(r => r.Key).ToList()) Confirmed(request);
    }

    /// <summary>An operation's deadline: its stops count as confirmed; answers how many were not.</summary>
    public int Expire(Deadline m)
    {
        if (!_ops.TryGetValue(m.Op, out var op)) return 0;
        var late = op.Requests.ToList();
        foreach (var request in late) Confirmed(request);
        return late.Count;
    }

    /// <summary>Instances changed: completes the operations that were waiting for them.</summary>
    public void SettleAll()
    {
        foreach (var op in _ops.Values.ToList()) Settle(op);
    }

    /// <summary>The supervisor stops: the requesters still waiting, to be told; nothing is pending afterwards.</summary>
    public IReadOnlyList<IActorRef> Abandon()
    {
        var waiting = _ops.Values.Where(o => o.ReplyTo is not null).Select(o => o.ReplyTo!).ToList();
        _ops.Clear();
        _requests.Clear();
        return waiting;
    }

    private void Settle(PendingOp op)
    {
        if (op.Requests.Count > 0) return;
        op.Launching.RemoveWhere(index => !isLaunching(index));
        if (op.Launching.Count > 0 || !_ops.Remove(op.Id)) return;
        timers.Cancel(Key(op.Id));
        op.Complete();
    }

    private static string Key(long op) => $"op-{op}";

    /// <summary>The timer message of an operation's deadline.</summary>
    public sealed record Deadline(long Op);
}
