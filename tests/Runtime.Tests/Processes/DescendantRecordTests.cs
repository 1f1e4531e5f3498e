using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

/// <summary>Which processes of a table belong to an instance, on made-up tables (the walk itself is tested with real processes in TreeTrackingTests).</summary>
public sealed class DescendantRecordTests
{
    private static ProcStat P(int pid, int ppid, int session, ulong start, char state = 'S') => new(pid, ppid, pid, session, start, state);

    [Fact]
    public void Observe_TakesTheSessionAndDescendantsByParent_ButNothingOlderThanTheLeader()
    {
        var record = new DescendantRecord(100, 1000);
        record.Observe(new ProcTable([
            P(1, 0, 1, 1),
            P(100, 1, 100, 1000),
            P(101, 100, 101, 1001),      // detached child: a session of its own
            P(102, 101, 101, 1002),      // its child
            P(103, 1, 100, 1003),        // double-forked: reparented to init, still in the session
            P(104, 100, 104, 1004, 'Z'), // a zombie: dead
            P(200, 100, 200, 900),       // "child" older than the leader: a table that mixes two reads; never ours
            P(300, 1, 300, 1005),        // unrelated
        ]));
        Assert.Equal([100, 101, 102, 103], record.Members.Keys.Order());
    }

    [Fact]
    public void Observe_KeepsARecordedOrphan_AfterItsParentDied()
    {
        var record = new DescendantRecord(100, 1000);
        record.Observe(new ProcTable([P(100, 1, 100, 1000), P(101, 100, 101, 1001), P(102, 101, 102, 1002)]));
        // 101 exited: 102 was reparented to init and has a session of its own; only the record still ties it to 100.
        record.Observe(new ProcTable([P(100, 1, 100, 1000), P(102, 1, 102, 1002)]));
        Assert.Equal([100, 102], record.Members.Keys.Order());
    }

    [Fact]
    public void Observe_ARecycledPid_IsNotTakenForAMember()
    {
        var record = new DescendantRecord(100, 1000);
        record.Observe(new ProcTable([P(100, 1, 100, 1000), P(101, 100, 101, 1001)]));
        // Both died; their pids now belong to other processes (a later start time), 100 leading a session again.
        record.Observe(new ProcTable([P(100, 1, 100, 5000), P(101, 100, 100, 5001), P(102, 100, 100, 5002)]));
        Assert.Empty(record.Members);
    }
}
