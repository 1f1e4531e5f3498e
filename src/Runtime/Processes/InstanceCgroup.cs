using System.Diagnostics;
using System.Globalization;

namespace Pbm.Runtime.Processes;

/// <summary>
/// The cgroup v2 of one run of one instance (a leaf under <see cref="CgroupTree"/>). Every process the instance
/// forks is born in it and no unprivileged process can leave it, whatever it does with sessions, process groups
/// or double forks, so <c>cgroup.kill</c> (Linux 5.14+) takes the whole tree at once, forks racing the kill
/// included. Where the controllers are v2 here, the kernel limits (memory.max, cpu.max, pids.max) and the OOM-kill
/// count (memory.events) are on this same directory (<see cref="LimitCgroups"/>).
/// </summary>
internal sealed class InstanceCgroup(string path)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    /// <summary>The directory, e.g. /sys/fs/cgroup/unified/pbm-1a2b3c4d5e6f/web-0-4242.</summary>
    public string Path { get; } = path;

    /// <summary>Moves <paramref name="pid"/> (the whole process) in; 0 or the errno (ESRCH: it is gone already).</summary>
    public int Move(int pid) => CgroupFs.Write(File("cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>SIGKILLs every process in it and in the cgroups below it; 0 or the errno (ENOENT: the cgroup is gone).</summary>
    public int Kill() => CgroupFs.Write(File("cgroup.kill"), "1");

    /// <summary>True while a process is in it or below it (cgroup.events says "populated 1"); false once empty or gone.</summary>
    public bool Populated
    {
        get
        {
            var events = CgroupFs.Read(File("cgroup.events"));
            if (events is null) return false;
            foreach (var line in events.Split('\n'))
                if (line.StartsWith("populated ", StringComparison.Ordinal)) return line.Trim() != "populated 0";
            return false;
        }
    }

    /// <summary>The pids in it (not below it), as cgroup.procs lists them.</summary>
    public IReadOnlyList<int> Pids()
    {
        var text = CgroupFs.Read(File("cgroup.procs")) ?? "";
        var pids = new List<int>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) pids.Add(pid);
        return pids;
    }

    /// <summary>
    /// Kills what is in it, waits (asynchronously, polling) until it is empty, at most <paramref name="wait"/>, then
    /// removes it. False when something was still in it after the wait (the directory then stays; the next daemon
    /// of this home sweeps it).
    /// </summary>
    public async Task<bool> KillAndRemoveAsync(TimeSpan wait)
    {
        var watch = Stopwatch.StartNew();
        Kill();
        while (Populated && watch.Elapsed < wait) await Task.Delay(Poll).ConfigureAwait(false);
        return Remove();
    }

    /// <summary><see cref="KillAndRemoveAsync"/> for callers with a thread to spare: start-up and the orphan reaper.</summary>
    public bool KillAndRemove(TimeSpan wait)
    {
        var watch = Stopwatch.StartNew();
        Kill();
        while (Populated && watch.Elapsed < wait) Thread.Sleep(Poll);
        return Remove();
    }

    /// <summary>
    /// rmdir, the cgroups below first (an app running its own container or pbm makes some); true when it is gone.
    /// A cgroup whose processes all exited can be removed even while their zombies wait to be reaped.
    /// </summary>
    public bool Remove() => RemoveTree(Path);

    private static bool RemoveTree(string dir)
    {
        try
        {
            foreach (var child in Directory.EnumerateDirectories(dir)) RemoveTree(child);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already, or unreadable: the rmdir below says which.
        }
        var errno = CgroupFs.Rmdir(dir);
        return errno is 0 or CgroupFs.ENOENT;
    }

    private string File(string name) => System.IO.Path.Combine(Path, name);

    public override string ToString() => Path;
}
