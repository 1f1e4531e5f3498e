using Pbm.Client.Specs;

namespace Pbm.Runtime.Processes;

/// <summary>
/// Kills what an instance left behind. Each instance runs in its own session (a spawn attribute, see <see cref="Spawn"/>), so
/// its session id is the leader's pid: that catches grandchildren that double-forked or changed process
/// group, which Process.Kill(entireProcessTree) misses. Only processes that started no earlier than the
/// leader count, so a recycled pid of an unrelated process is never hit. What left the session as well (setsid) is
/// <see cref="InstanceTree"/>'s to find: through the instance's cgroup, or its record of descendants.
/// </summary>
internal static class ProcessGroups
{
    public static void Signal(int pgid, string signal) => Native.KillGroup(pgid, Signals.NumberOf(signal));

    /// <summary>SIGKILLs every process of the session led (once) by <paramref name="sid"/>; returns how many were hit.</summary>
    public static int KillSession(int sid, ulong leaderStartTicks)
    {
        Native.KillGroup(sid, 9);
        var hit = 0;
        foreach (var p in ProcStat.All())
        {
            if (p.Session != sid || p.StartTicks < leaderStartTicks || p.State == 'Z') continue;
            if (Native.Kill(p.Pid, 9) == 0) hit++;
        }
        return hit;
    }

    /// <summary>True while any non-zombie process of the session is alive.</summary>
    public static bool SessionAlive(int sid, ulong leaderStartTicks) =>
        ProcStat.All().Any(p => p.Session == sid && p.StartTicks >= leaderStartTicks && p.State != 'Z');
}
