using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Processes;

/// <summary>
/// PBM_HOME/pids/APP-N-PID.pid holds "pid starttime" of each running instance's session leader, and the path of its
/// cgroup when it has one. A daemon that was killed -9 cannot stop its apps; the next one (or `pbm kill`, or a
/// crashed cluster worker's watchdog) reads these files and kills those trees before it starts anything, so a
/// restart never leaves orphans nor runs an instance twice.
/// </summary>
internal sealed class PidRegistry(string dir)
{
    // SIGKILL is delivered at once but a process takes a moment to die (a busy Node tears down its threads):
    // whoever asked (`pbm kill`, a new daemon) may rely on them being gone when ReapOrphans returns.
    private static readonly TimeSpan ReapWait = TimeSpan.FromSeconds(3);

    public void Record(string app, int index, int pid, ulong startTicks, string? cgroup = null)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(FileOf(app, index, pid), cgroup is null ? $"{pid} {startTicks}\n" : $"{pid} {startTicks} {cgroup}\n");
    }

    public void Forget(string app, int index, int pid)
    {
        try
        {
            File.Delete(FileOf(app, index, pid));
        }
        catch (IOException)
        {
            // A stale file is harmless: its start time no longer matches any process.
        }
    }

    /// <summary>
    /// Kills every tree a previous daemon recorded (its cgroup if it had one, else its session and what descends from
    /// it in /proc), removes those cgroups and clears the files; returns what was reaped.
    /// </summary>
    public IReadOnlyList<string> ReapOrphans(ILogger logger)
    {
        var reaped = new List<string>();
        if (!Directory.Exists(dir)) return reaped;
        var files = Directory.EnumerateFiles(dir, "*.pid").ToList();
        if (files.Count == 0) return reaped;
        var table = ProcTable.Scan();
        var records = new List<DescendantRecord>();
        var cgroups = new List<InstanceCgroup>();
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (Parse(File.ReadAllText(file)) is var (pid, start, cgroupPath))
            {
                var record = new DescendantRecord(pid, start);
                record.Observe(table);
                var cgroup = cgroupPath is not null && Directory.Exists(cgroupPath) ? new InstanceCgroup(cgroupPath) : null;
                var inCgroup = cgroup?.Pids().Count ?? 0;
                var hit = 0;
                if (record.Members.Count > 0)
                {
                    hit = record.KillAll();
                    records.Add(record);
                }
                if (cgroup is not null)
                {
                    cgroup.Kill();
                    cgroups.Add(cgroup);
                }
                if (hit > 0 || inCgroup > 0)
                {
                    logger.LogWarning("Reaped orphan session {Pid} of {Instance} left by a previous daemon ({Count} processes{InCgroup})",
                        pid, name, Math.Max(hit, inCgroup), cgroup is null ? "" : $", cgroup {cgroup.Path}");
                    reaped.Add($"{name} (pid {pid})");
                }
            }
            File.Delete(file);
        }
        // One wait for all; then the cgroups go, and their home's subtree if this emptied it (a daemon started in
        // another cgroup than its predecessor would not sweep it).
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < ReapWait && (records.Any(r => r.AnyAlive()) || cgroups.Any(c => c.Populated))) Thread.Sleep(20);
        foreach (var cgroup in cgroups)
            if (cgroup.Remove() && Path.GetDirectoryName(cgroup.Path) is { } parent && Path.GetFileName(parent).StartsWith("pbm-", StringComparison.Ordinal))
                CgroupFs.Rmdir(parent);
        return reaped;
    }

    /// <summary>"pid start [cgroup path]"; null when the file is not one of ours.</summary>
    internal static (int Pid, ulong Start, string? Cgroup)? Parse(string text)
    {
        var parts = text.TrimEnd('\n').Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[0], out var pid) || !ulong.TryParse(parts[1], out var start)) return null;
        return (pid, start, parts.Length == 3 && parts[2].StartsWith('/') ? parts[2] : null);
    }

    // The pid is part of the name: during a rolling reload two processes of one instance overlap.
    private string FileOf(string app, int index, int pid) => Path.Combine(dir, $"{app}-{index}-{pid}.pid");
}
