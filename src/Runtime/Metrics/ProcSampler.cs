using System.Globalization;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Metrics;

/// <summary>
/// Reads /proc once per sample: every process's CPU ticks and resident pages, summed per session (an instance is
/// the session its leader opened, so grandchildren count too), and the host's CPU, memory and load. CPU % is
/// the ticks used since the previous sample over the time elapsed. One scan serves every instance of the host.
/// </summary>
internal sealed class ProcSampler
{
    // USER_HZ is 100 on every Linux architecture pbm runs on (the kernel reports /proc times in it, whatever HZ is).
    private const double TicksPerSecond = 100;
    private readonly long _pageSize = Environment.SystemPageSize;
    private Dictionary<(int Pid, ulong Start), ulong> _previous = [];
    private long _previousAt;
    private (ulong Busy, ulong Total) _previousHost;

    /// <summary>
    /// Samples the sessions in <paramref name="sessions"/> (leader pids); returns their usage by session. With
    /// <paramref name="everyProcess"/>, also lists there every process the scan read (for the /proc walk's record).
    /// </summary>
    /// <remarks>
    /// Runs every second over every process of the host, so it allocates next to nothing per process: each stat file
    /// is read into a stack buffer through a raw handle (File.ReadAllText cost a reader and ~12 KB of buffers per
    /// file, megabytes a second with a few hundred processes), paths are cached per pid, and the two tick tables
    /// are reused.
    /// </remarks>
    public Dictionary<int, TreeUsage> SampleTrees(IReadOnlySet<int> sessions, List<Processes.ProcStat>? everyProcess = null)
    {
        everyProcess?.Clear();
        var now = Environment.TickCount64;
        var elapsed = _previousAt == 0 ? 0 : (now - _previousAt) / 1000.0;
        var current = _spare;
        current.Clear();
        var result = new Dictionary<int, TreeUsage>();
        if (sessions.Count > 0)
        {
            Span<byte> bytes = stackalloc byte[StatBufferSize];
            Span<char> chars = stackalloc char[StatBufferSize];
            _seenPaths.Clear();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(dir.AsSpan());
                if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, out var pid)) continue;
                if (!_statPaths.TryGetValue(pid, out var path)) _statPaths[pid] = path = $"/proc/{pid}/stat";
                _seenPaths.Add(pid);
                var n = ReadSmall(path, bytes);
                if (n <= 0) continue;
                var length = System.Text.Encoding.Latin1.GetChars(bytes[..n], chars);
                if (ProcUsage.Parse(pid, chars[..length]) is not { } p) continue;
                everyProcess?.Add(new Processes.ProcStat(pid, p.PPid, p.Pgrp, p.Session, p.StartTicks, p.State));
                if (!sessions.Contains(p.Session)) continue;
                current[(pid, p.StartTicks)] = p.CpuTicks;
                var ticks = elapsed > 0 && _previous.TryGetValue((pid, p.StartTicks), out var before) && p.CpuTicks >= before
                    ? p.CpuTicks - before
                    : 0;
                result.TryGetValue(p.Session, out var sum);
                var cpu = elapsed > 0 ? ticks / TicksPerSecond / elapsed * 100 : 0;
                result[p.Session] = new TreeUsage(sum.Cpu + cpu, sum.Rss + p.RssPages * _pageSize, sum.Processes + 1);
            }
            if (_statPaths.Count > 2 * _seenPaths.Count + 64)
                foreach (var gone in _statPaths.Keys.Where(k => !_seenPaths.Contains(k)).ToList()) _statPaths.Remove(gone);
        }
        _spare = _previous;
        _previous = current;
        _previousAt = now;
        return result;
    }

    private const int StatBufferSize = 1024;
    private Dictionary<(int Pid, ulong Start), ulong> _spare = [];
    private readonly Dictionary<int, string> _statPaths = [];
    private readonly HashSet<int> _seenPaths = [];

    /// <summary>Reads a small /proc file into <paramref name="buffer"/>; the bytes read, or -1 if it is gone or unreadable.</summary>
    private static int ReadSmall(string path, Span<byte> buffer)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            return RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>The host's CPU (since the previous call), memory and load.</summary>
    public HostStats SampleHost(string node)
    {
        double cpu = 0;
        if (Read("/proc/stat") is { } stat)
        {
            var line = stat.AsSpan()[..Math.Max(0, stat.IndexOf('\n'))];
            ulong total = 0, idle = 0;
            var i = 0;
            foreach (var range in line.Split(' '))
            {
                var f = line[range];
                if (f.Length == 0 || f.StartsWith("cpu")) continue;
                if (!ulong.TryParse(f, out var v)) continue;
                if (i < 8) total += v; // user nice system idle iowait irq softirq steal (guest is counted in user)
                if (i is 3 or 4) idle += v;
                i++;
            }
            var busy = total - idle;
            if (_previousHost.Total > 0 && total > _previousHost.Total)
                cpu = (busy - _previousHost.Busy) * 100.0 / (total - _previousHost.Total);
            _previousHost = (busy, total);
        }
        long memTotal = 0, memAvailable = 0;
        if (Read("/proc/meminfo") is { } mem)
        {
            foreach (var l in mem.Split('\n'))
            {
                if (l.StartsWith("MemTotal:", StringComparison.Ordinal)) memTotal = Kb(l);
                else if (l.StartsWith("MemAvailable:", StringComparison.Ordinal)) memAvailable = Kb(l);
            }
        }
        double l1 = 0, l5 = 0, l15 = 0;
        if (Read("/proc/loadavg") is { } load)
        {
            var parts = load.Split(' ');
            if (parts.Length >= 3)
            {
                double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out l1);
                double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out l5);
                double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out l15);
            }
        }
        return new HostStats
        {
            Node = node, Cpu = Math.Round(Math.Clamp(cpu, 0, 100), 1), Cores = Environment.ProcessorCount,
            MemoryTotal = memTotal, MemoryAvailable = memAvailable, Load1 = l1, Load5 = l5, Load15 = l15,
        };
    }

    private static long Kb(string line)
    {
        var digits = new string(line.Where(char.IsAsciiDigit).ToArray());
        return long.TryParse(digits, out var kb) ? kb * 1024 : 0;
    }

    /// <summary>A small /proc file, or null if the process is gone.</summary>
    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
