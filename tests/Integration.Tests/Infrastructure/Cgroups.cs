using System.Security.Cryptography;
using System.Text;

namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>
/// Reads cgroup v2 the way a user would check pbm's work, independently of pbm's code: which cgroup a process is
/// in, where the daemon of a home keeps its instances' cgroups (OWN/pbm-HASH: the daemon is started from the test,
/// so OWN is the test's own cgroup), and whether a daemon started here can make cgroups at all.
/// </summary>
internal static class Cgroups
{
    private static readonly string? MountPoint = FindMount();

    /// <summary>True when a process of this test run may create cgroups with cgroup.kill (root on a cgroup2 mount, Linux 5.14+).</summary>
    public static bool Usable { get; } = Probe();

    /// <summary>The cgroup directory of <paramref name="pid"/>, or null once it is gone.</summary>
    public static string? Of(int pid)
    {
        try
        {
            var line = File.ReadAllLines($"/proc/{pid}/cgroup").FirstOrDefault(l => l.StartsWith("0::/", StringComparison.Ordinal));
            return line is null || MountPoint is null ? null : MountPoint + line[3..].TrimEnd('/');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>OWN/pbm-HASH: the subtree the daemon of <paramref name="home"/> gives its instances.</summary>
    public static string? HomeDirectory(string home)
    {
        if (Of(Environment.ProcessId) is not { } own) return null;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(home).TrimEnd('/')));
        return Path.Combine(own, "pbm-" + Convert.ToHexStringLower(hash)[..12]);
    }

    /// <summary>The instance cgroups left under the home's subtree (none once every instance is stopped).</summary>
    public static List<string> InstanceDirectories(string home) =>
        HomeDirectory(home) is { } dir && Directory.Exists(dir) ? Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)).ToList() : [];

    /// <summary>Hard clean-up after a test: kills what is in the home's cgroups and removes them.</summary>
    public static void RemoveHome(string home)
    {
        if (HomeDirectory(home) is { } dir && Directory.Exists(dir)) Remove(dir);
    }

    private static void Remove(string dir)
    {
        foreach (var child in Directory.GetDirectories(dir)) Remove(child);
        try
        {
            File.WriteAllText(Path.Combine(dir, "cgroup.kill"), "1");
            for (var i = 0; i < 100 && File.ReadAllText(Path.Combine(dir, "cgroup.events")).Contains("populated 1"); i++) Thread.Sleep(20);
            Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string? FindMount()
    {
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0 || !line[(dash + 3)..].StartsWith("cgroup2 ", StringComparison.Ordinal)) continue;
            var fields = line[..dash].Split(' ');
            // A mount showing only part of the hierarchy (a container's) is not looked through here.
            return fields[3] == "/" ? fields[4].Replace("\\040", " ", StringComparison.Ordinal) : null;
        }
        return null;
    }

    private static bool Probe()
    {
        if (Of(Environment.ProcessId) is not { } own) return false;
        var probe = Path.Combine(own, $"pbm-test-probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(probe);
            var usable = File.Exists(Path.Combine(probe, "cgroup.kill"));
            Directory.Delete(probe);
            return usable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
