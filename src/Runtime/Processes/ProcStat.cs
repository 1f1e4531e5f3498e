namespace Pbm.Runtime.Processes;

/// <summary>The fields of /proc/PID/stat pbm needs: parent, group, session and start time (clock ticks since boot).</summary>
internal readonly record struct ProcStat(int Pid, int PPid, int Pgrp, int Session, ulong StartTicks, char State)
{
    public static ProcStat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        return Parse(pid, text);
    }

    /// <summary>Parses a stat line; the command name may hold spaces and parentheses, so fields count from the last ')'.</summary>
    public static ProcStat? Parse(int pid, string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] = state (3rd field), [1] ppid, [2] pgrp, [3] session, ... [19] starttime (22nd field)
        if (fields.Length < 20) return null;
        return new ProcStat(pid, int.Parse(fields[1]), int.Parse(fields[2]), int.Parse(fields[3]),
            ulong.Parse(fields[19]), fields[0].Length > 0 ? fields[0][0] : '?');
    }

    /// <summary>Every live process; a racing exit just drops out.</summary>
    public static IEnumerable<ProcStat> All()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (Read(pid) is { } stat) yield return stat;
        }
    }
}
