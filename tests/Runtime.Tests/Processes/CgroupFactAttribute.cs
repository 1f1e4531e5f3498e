using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

/// <summary>
/// A test that needs to create cgroup v2 directories here (root, or a delegated cgroup, with cgroup.kill: Linux
/// 5.14+). Elsewhere it is skipped with the reason, rather than failed: the /proc walk is tested on its own.
/// </summary>
public sealed class CgroupFactAttribute : FactAttribute
{
    public CgroupFactAttribute()
    {
        if (Probe() is { } why) Skip = $"cgroup v2 cannot be used here: {why}";
    }

    private static string? Probe()
    {
        var home = Path.Combine(Path.GetTempPath(), "pbm-cgroup-probe-" + Environment.ProcessId);
        if (CgroupTree.Open(home, out var why) is not { } tree) return why;
        tree.RemoveIfEmpty();
        return null;
    }
}
