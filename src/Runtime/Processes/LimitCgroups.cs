using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Processes;

/// <summary>
/// Where this host puts the kernel limits of its instances (--memory-limit, --cpu-limit, --pids-limit), found once at
/// start and said once in pbm.log. For each controller (memory, cpu, pids): cgroup v2 when the home's subtree
/// (<see cref="CgroupTree"/>) is offered it (cgroup.controllers of pbm-HASH, enabled in its cgroup.subtree_control:
/// the daemon's own cgroup must enable it, as the root cgroup or a delegated parent does), the limits then written in
/// the run's own cgroup; otherwise that controller's cgroup v1 hierarchy (hybrid machines: /sys/fs/cgroup/memory...),
/// in <c>pbm-HASH/LABEL-PID</c> under the daemon's own cgroup there; otherwise none, and the limit falls back (memory:
/// sampling, as --max-memory) or is not enforced (cpu, pids), said once.
/// </summary>
internal sealed class LimitCgroups
{
    private readonly Dictionary<string, string> _v1;
    private readonly HashSet<string> _v2;
    private int _warned;

    private LimitCgroups(Dictionary<string, string> v1, HashSet<string> v2, string why)
    {
        _v1 = v1;
        _v2 = v2;
        Why = why;
    }

    /// <summary>The controllers pbm limits instances with.</summary>
    public static readonly string[] Controllers = ["memory", "cpu", "pids"];

    /// <summary>Why some controller is missing (for the one message), or "".</summary>
    public string Why { get; }

    /// <summary>No limits at all (pbm.processes.cgroups = off, or an embedding without a home).</summary>
    public static LimitCgroups None(string why) => new([], [], why);

    /// <summary>True when this host can have the kernel enforce <paramref name="controller"/>'s limit.</summary>
    public bool Enforces(string controller) => _v2.Contains(controller) || _v1.ContainsKey(controller);

    /// <summary>True the first time only: the caller then says, once per daemon, that limits fall back.</summary>
    public bool FirstFallback() => Interlocked.Exchange(ref _warned, 1) == 0;

    /// <summary>How each controller is used, for pbm.log.</summary>
    public string Describe() => string.Join(", ", Controllers.Select(c =>
        _v2.Contains(c) ? $"{c}: cgroup v2" : _v1.TryGetValue(c, out var dir) ? $"{c}: cgroup v1 {dir}" : $"{c}: none"));

    /// <summary>Finds what the host offers, creating <c>pbm-HASH</c> in each usable v1 hierarchy and removing what a previous daemon of this home left there.</summary>
    public static LimitCgroups Open(string home, CgroupTree? v2Tree, ILogger log)
    {
        var v2 = new HashSet<string>();
        if (v2Tree is not null)
        {
            var offered = (CgroupFs.Read(Path.Combine(v2Tree.Path, "cgroup.controllers")) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var c in Controllers.Where(offered.Contains))
                if (CgroupFs.Write(Path.Combine(v2Tree.Path, "cgroup.subtree_control"), "+" + c) == 0) v2.Add(c);
        }
        var v1 = new Dictionary<string, string>();
        var missing = new List<string>();
        string mountinfo = "", self = "";
        try
        {
            mountinfo = File.ReadAllText("/proc/self/mountinfo");
            self = File.ReadAllText("/proc/self/cgroup");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            missing.Add($"cannot read /proc/self: {e.Message}");
        }
        foreach (var c in Controllers.Where(c => !v2.Contains(c)))
        {
            if (V1Directory(mountinfo, self, c) is not { } own)
            {
                missing.Add($"{c}: no cgroup v1 hierarchy{(v2Tree is null ? "" : " and not offered to the cgroup v2 subtree")}");
                continue;
            }
            var dir = Path.Combine(own, CgroupTree.NameOf(home));
            var errno = CgroupFs.Mkdir(dir);
            if (errno is not (0 or CgroupFs.EEXIST))
            {
                missing.Add($"{c}: cannot create {dir}: {Native.ErrorText(errno)}");
                continue;
            }
            foreach (var leftover in SafeDirectories(dir)) CgroupFs.Rmdir(leftover);
            v1[c] = dir;
        }
        var limits = new LimitCgroups(v1, v2, string.Join("; ", missing));
        log.LogInformation("kernel limits (--memory-limit, --cpu-limit, --pids-limit): {How}{Why}", limits.Describe(),
            missing.Count == 0 ? "" : " (" + limits.Why + ")");
        return limits;
    }

    /// <summary>At shutdown, once every instance is stopped: removes the home's v1 cgroups (each run removed its own already).</summary>
    public void Close()
    {
        foreach (var dir in _v1.Values)
        {
            foreach (var leftover in SafeDirectories(dir)) CgroupFs.Rmdir(leftover);
            CgroupFs.Rmdir(dir);
        }
    }

    /// <summary>
    /// Applies <paramref name="limits"/> to the run of <paramref name="pid"/>: in its v2 cgroup <paramref name="v2"/>
    /// (when the controller is v2 here) and in new v1 cgroups named <paramref name="name"/>, which <paramref name="pids"/>
    /// (the run's processes so far) are moved into. Never throws: what cannot be applied is in the result's problems.
    /// </summary>
    public InstanceLimits Apply(ResourceLimits limits, InstanceCgroup? v2, string name, IReadOnlyList<int> pids)
    {
        var problems = new List<string>();
        var v1 = new List<string>();
        var memoryFiles = new List<string>();
        foreach (var (controller, values) in Files(limits))
        {
            string dir;
            if (_v2.Contains(controller) && v2 is not null) dir = v2.Path;
            else if (_v1.TryGetValue(controller, out var root))
            {
                dir = Path.Combine(root, name);
                var errno = CgroupFs.Mkdir(dir);
                if (errno is not (0 or CgroupFs.EEXIST))
                {
                    problems.Add($"{controller}: cannot create {dir}: {Native.ErrorText(errno)}");
                    continue;
                }
                v1.Add(dir);
            }
            else continue;
            var v2Dir = dir == v2?.Path;
            foreach (var (file, value, optional) in values(v2Dir))
            {
                var path = Path.Combine(dir, file);
                if (optional && !File.Exists(path)) continue;
                var errno = CgroupFs.Write(path, value);
                if (errno != 0) problems.Add($"{controller}: cannot write {value} to {path}: {Native.ErrorText(errno)}");
            }
            if (controller == "memory") memoryFiles.Add(Path.Combine(dir, v2Dir ? "memory.events" : "memory.oom_control"));
            if (!v2Dir)
                foreach (var pid in pids)
                    CgroupFs.Write(Path.Combine(dir, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
        }
        return new InstanceLimits(limits, v1, memoryFiles, problems);
    }

    /// <summary>Each controller's interface files and values (v2 names, or v1 names), in the order they must be written.</summary>
    private static IEnumerable<(string Controller, Func<bool, IEnumerable<(string File, string Value, bool Optional)>> Values)> Files(ResourceLimits l)
    {
        if (l.MemoryBytes is { } bytes)
        {
            var b = bytes.ToString(CultureInfo.InvariantCulture);
            // No swap beyond the limit: a limit the app swaps past would not stop a leak, only slow the machine.
            yield return ("memory", v2 => v2
                ? [("memory.max", b, false), ("memory.swap.max", "0", true)]
                : [("memory.limit_in_bytes", b, false), ("memory.memsw.limit_in_bytes", b, true)]);
        }
        if (l.Cpu is { } cores)
        {
            var quota = ResourceLimits.CpuQuotaUs(cores).ToString(CultureInfo.InvariantCulture);
            var period = ResourceLimits.CpuPeriodUs.ToString(CultureInfo.InvariantCulture);
            yield return ("cpu", v2 => v2
                ? [("cpu.max", $"{quota} {period}", false)]
                : [("cpu.cfs_period_us", period, false), ("cpu.cfs_quota_us", quota, false)]);
        }
        if (l.Pids is { } max)
        {
            var m = max.ToString(CultureInfo.InvariantCulture);
            yield return ("pids", _ => [("pids.max", m, false)]);
        }
    }

    /// <summary>
    /// This process's directory in the cgroup v1 hierarchy of <paramref name="controller"/>: the mount whose super
    /// options name it, joined with its line of /proc/self/cgroup (adjusted for a mount that shows only part of the
    /// hierarchy); null when there is none.
    /// </summary>
    internal static string? V1Directory(string mountinfo, string procSelfCgroup, string controller)
    {
        string? point = null, root = null;
        foreach (var line in mountinfo.Split('\n'))
        {
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0) continue;
            var after = line[(dash + 3)..].Split(' ');
            if (after.Length < 3 || after[0] != "cgroup" || !after[2].Split(',').Contains(controller)) continue;
            var fields = line[..dash].Split(' ');
            if (fields.Length < 5) continue;
            (root, point) = (fields[3], fields[4]);
            break;
        }
        if (point is null || root is null) return null;
        foreach (var line in procSelfCgroup.Split('\n'))
        {
            var parts = line.Split(':', 3);
            if (parts.Length < 3 || !parts[1].Split(',').Contains(controller)) continue;
            var own = parts[2].Trim();
            var r = root.TrimEnd('/');
            if (r.Length > 0)
            {
                if (own != r && !own.StartsWith(r + "/", StringComparison.Ordinal)) return null;
                own = own[r.Length..];
            }
            return point.TrimEnd('/') + own.TrimEnd('/');
        }
        return null;
    }

    private static IEnumerable<string> SafeDirectories(string dir)
    {
        try
        {
            return Directory.EnumerateDirectories(dir).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
