namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>
/// Whether a daemon started by this test run can have the kernel enforce a limit (memory, cpu, pids), read
/// independently of pbm's code: as root, a cgroup v1 hierarchy of that controller, or the controller offered in the
/// cgroup v2 hierarchy. Null when it can, else why not (the test then says so and returns).
/// </summary>
internal static class KernelLimits
{
    public static string? Unavailable(string controller)
    {
        if (!IsRoot()) return "the tests do not run as root: no cgroup can be created for the limits";
        var mountinfo = File.ReadAllLines("/proc/self/mountinfo");
        foreach (var line in mountinfo)
        {
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0) continue;
            var after = line[(dash + 3)..].Split(' ');
            var point = line[..dash].Split(' ')[4];
            if (after[0] == "cgroup" && after.Length > 2 && after[2].Split(',').Contains(controller) && IsWritable(point)) return null;
            if (after[0] == "cgroup2" && File.Exists(Path.Combine(point, "cgroup.controllers")) &&
                File.ReadAllText(Path.Combine(point, "cgroup.controllers")).Split(' ', StringSplitOptions.TrimEntries).Contains(controller)) return null;
        }
        return $"no cgroup hierarchy offers the {controller} controller on this machine";
    }

    /// <summary>Removes the v1 cgroups a daemon of <paramref name="home"/> left (a test that failed half-way).</summary>
    public static void RemoveHome(string home)
    {
        var name = Path.GetFileName(Cgroups.HomeDirectory(home) ?? "");
        if (name.Length == 0) return;
        foreach (var controller in new[] { "memory", "cpu", "pids" })
        {
            var root = Path.Combine("/sys/fs/cgroup", controller);
            if (!Directory.Exists(root)) continue;
            foreach (var dir in SafeFind(root, name))
            {
                foreach (var child in SafeDirectories(dir)) TryDelete(child);
                TryDelete(dir);
            }
        }
    }

    private static IEnumerable<string> SafeFind(string root, string name)
    {
        try
        {
            return Directory.EnumerateDirectories(root, name, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 4, IgnoreInaccessible = true }).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> SafeDirectories(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static bool IsRoot() =>
        File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2) == "0";

    private static bool IsWritable(string dir)
    {
        var probe = Path.Combine(dir, $"pbm-test-probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
