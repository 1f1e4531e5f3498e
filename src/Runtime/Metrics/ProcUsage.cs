namespace Pbm.Runtime.Metrics;

/// <summary>
/// The fields of /proc/PID/stat one sample needs: what the process costs (CPU ticks used, utime + stime, and resident
/// pages), and where it sits (state, parent, group, session, start time), which the /proc walk of
/// <see cref="Processes.TreeTracking"/> records from the same read.
/// </summary>
internal readonly record struct ProcUsage(int Pid, int Session, ulong StartTicks, ulong CpuTicks, long RssPages, int PPid = 0, int Pgrp = 0, char State = '?')
{
    /// <summary>Parses a stat line; fields count from the last ')' since the command name may hold anything.</summary>
    public static ProcUsage? Parse(int pid, ReadOnlySpan<char> text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length) return null;
        var rest = text[(close + 2)..];
        // rest fields (0-based): 0 state, 1 ppid, 2 pgrp, 3 session, ... 11 utime, 12 stime, ... 19 starttime, 20 vsize, 21 rss
        int session = 0, ppid = 0, pgrp = 0;
        ulong utime = 0, stime = 0, start = 0;
        long rss = 0;
        var state = '?';
        var field = 0;
        foreach (var range in rest.Split(' '))
        {
            var f = rest[range];
            switch (field)
            {
                case 0: state = f.Length > 0 ? f[0] : '?'; break;
                case 1: int.TryParse(f, out ppid); break;
                case 2: int.TryParse(f, out pgrp); break;
                case 3: int.TryParse(f, out session); break;
                case 11: ulong.TryParse(f, out utime); break;
                case 12: ulong.TryParse(f, out stime); break;
                case 19: ulong.TryParse(f, out start); break;
                case 21: long.TryParse(f, out rss); break;
            }
            if (++field > 21) break;
        }
        return field > 21 ? new ProcUsage(pid, session, start, utime + stime, rss, ppid, pgrp, state) : null;
    }
}
