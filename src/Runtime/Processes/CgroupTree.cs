using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pbm.Runtime.Processes;

/// <summary>
/// The cgroup v2 subtree of one PBM_HOME's instances: <c>OWN/pbm-HASH/APP-N-PID</c>, where OWN is the daemon's own
/// cgroup and HASH a short hash of the home, so two daemons with different homes (a test run, a second user, the
/// nodes of a cluster on one machine) never touch each other's cgroups, and a daemon finds its predecessor's.
/// </summary>
/// <remarks>
/// <para>
/// A cgroup can be created where the daemon may write: as root anywhere; otherwise only in a delegated subtree.
/// Under systemd that is the unit's own cgroup with <c>Delegate=yes</c> (pbm startup writes it so): systemd then
/// leaves what the service creates below it alone. Without delegation a non-root daemon cannot mkdir here, and a
/// container usually mounts cgroupfs read-only: <see cref="Open"/> then fails and pbm walks /proc instead.
/// </para>
/// <para>
/// Only leaves hold processes: cgroup v2's "no internal processes" rule stays out of the way. The kernel limits
/// (<see cref="LimitCgroups"/>) enable memory, cpu and pids in pbm-HASH's cgroup.subtree_control when OWN offers them
/// (the root cgroup does; a delegated OWN does once its own subtree_control enables them, which the kernel refuses
/// while the daemon itself sits in OWN: moving the daemon into a leaf of its own, OWN/daemon, as systemd's delegation
/// documentation asks, is not done yet); otherwise the limits go to the cgroup v1 controllers, or are not enforced.
/// </para>
/// </remarks>
internal sealed class CgroupTree
{
    private CgroupTree(string path) => Path = path;

    /// <summary>The subtree's directory, e.g. /sys/fs/cgroup/unified/pbm-1a2b3c4d5e6f.</summary>
    public string Path { get; }

    /// <summary>
    /// The subtree of <paramref name="home"/> under this process's own cgroup, created if need be; null, with
    /// <paramref name="why"/>, when cgroup v2 is missing, not writable here, or lacks cgroup.kill (before Linux 5.14).
    /// </summary>
    public static CgroupTree? Open(string home, out string why)
    {
        if (CgroupMount.OwnDirectory(out why) is not { } own) return null;
        var path = System.IO.Path.Combine(own, NameOf(home));
        var errno = CgroupFs.Mkdir(path);
        if (errno is not (0 or CgroupFs.EEXIST))
        {
            why = $"cannot create {path}: {Native.ErrorText(errno)}";
            return null;
        }
        if (!File.Exists(System.IO.Path.Combine(path, "cgroup.kill")))
        {
            CgroupFs.Rmdir(path);
            why = "the kernel has no cgroup.kill (Linux 5.14 or later)";
            return null;
        }
        why = "";
        return new CgroupTree(path);
    }

    /// <summary>"pbm-" and the first 12 hex digits of the SHA-256 of the home's full path.</summary>
    public static string NameOf(string home)
    {
        var full = System.IO.Path.GetFullPath(home).TrimEnd('/');
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(full.Length == 0 ? "/" : full));
        return "pbm-" + Convert.ToHexStringLower(hash)[..12];
    }

    /// <summary>
    /// Makes the cgroup of one run, named <c>LABEL-PID</c> (the pid keeps the two processes of an instance apart
    /// during a rolling reload); null with the errno when it cannot be made.
    /// </summary>
    public InstanceCgroup? Create(string label, int pid, out int errno)
    {
        var path = System.IO.Path.Combine(Path, $"{Sanitize(label)}-{pid.ToString(CultureInfo.InvariantCulture)}");
        errno = CgroupFs.Mkdir(path);
        // EEXIST: a leftover of this home whose pid was recycled (only this home's daemon uses this subtree, and it
        // sweeps leftovers at start): whatever is in it is this home's, and dies with the new run.
        if (errno is 0 or CgroupFs.EEXIST)
        {
            errno = 0;
            return new InstanceCgroup(path);
        }
        return null;
    }

    /// <summary>
    /// Kills what is in every cgroup of the subtree, waits up to <paramref name="wait"/> for them to empty, and
    /// removes them: at start (a killed daemon's leftovers, empty once its orphans are reaped, or holding a process
    /// it spawned but had not recorded yet) and at shutdown. Returns how many still held processes.
    /// </summary>
    public int Sweep(TimeSpan wait)
    {
        List<InstanceCgroup> found;
        try
        {
            found = Directory.EnumerateDirectories(Path).Select(d => new InstanceCgroup(d)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        var populated = found.Count(c => c.Populated);
        foreach (var cgroup in found) cgroup.Kill();
        var watch = Stopwatch.StartNew();
        while (found.Any(c => c.Populated) && watch.Elapsed < wait) Thread.Sleep(10);
        foreach (var cgroup in found) cgroup.Remove();
        return populated;
    }

    /// <summary>Removes the subtree's own directory if no cgroup is left in it (at shutdown).</summary>
    public bool RemoveIfEmpty() => CgroupFs.Rmdir(Path) is 0 or CgroupFs.ENOENT;

    /// <summary>App names are letters, digits, '-', '_' and '.' already; anything else (an embedding host's label) becomes '_'.</summary>
    internal static string Sanitize(string label)
    {
        var sb = new StringBuilder(Math.Min(label.Length, 100));
        foreach (var c in label.Length > 100 ? label[..100] : label)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.Length == 0 || sb[0] == '.' ? "_" + sb : sb.ToString();
    }
}
