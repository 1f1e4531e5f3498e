using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Processes;

/// <summary>
/// PBM_HOME/pids/APP-N-PID.pid holds "pid starttime" of each running instance's session leader. A daemon that
/// was killed -9 cannot stop its apps; the next one reads these files and kills those sessions before it
/// starts anything, so a restart never leaves orphans nor runs an instance twice.
/// </summary>
internal sealed class PidRegistry(string dir)
{
    public void Record(string app, int index, int pid, ulong startTicks)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(FileOf(app, index, pid), $"{pid} {startTicks}\n");
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

    /// <summary>Kills every session a previous daemon recorded and clears the files; returns what was reaped.</summary>
    public IReadOnlyList<string> ReapOrphans(ILogger logger)
    {
        var reaped = new List<string>();
        if (!Directory.Exists(dir)) return reaped;
        var killed = new List<(int Pid, ulong Start)>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.pid"))
        {
            var parts = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], out var pid) && ulong.TryParse(parts[1], out var start) &&
                ProcessGroups.SessionAlive(pid, start))
            {
                var hit = ProcessGroups.KillSession(pid, start);
                killed.Add((pid, start));
                logger.LogWarning("Reaped orphan session {Pid} of {Instance} left by a previous daemon ({Count} processes)",
                    pid, Path.GetFileNameWithoutExtension(file), hit);
                reaped.Add($"{Path.GetFileNameWithoutExtension(file)} (pid {pid})");
            }
            File.Delete(file);
        }
        // SIGKILL is delivered at once but a process takes a moment to die (a busy Node tears down its threads):
        // whoever asked (`pbm kill`, a new daemon) may rely on them being gone when this returns. One wait for all.
        for (var waited = 0; waited < 3000 && killed.Any(k => ProcessGroups.SessionAlive(k.Pid, k.Start)); waited += 20) Thread.Sleep(20);
        return reaped;
    }

    // The pid is part of the name: during a rolling reload two processes of one instance overlap.
    private string FileOf(string app, int index, int pid) => Path.Combine(dir, $"{app}-{index}-{pid}.pid");
}
