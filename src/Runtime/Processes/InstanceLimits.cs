namespace Pbm.Runtime.Processes;

/// <summary>
/// The kernel limits applied to one run of an instance (<see cref="LimitCgroups.Apply"/>): the v1 cgroups made for it
/// (removed once the run is over) and the files that count its OOM kills (memory.events in v2, memory.oom_control in v1).
/// </summary>
internal sealed class InstanceLimits(ResourceLimits limits, IReadOnlyList<string> v1Cgroups, IReadOnlyList<string> oomFiles, IReadOnlyList<string> problems)
{
    public ResourceLimits Limits { get; } = limits;

    /// <summary>What could not be applied (a write the kernel refused), each naming its controller.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>True when the kernel's OOM killer killed a process of the run (read before <see cref="Remove"/>).</summary>
    public bool OomKilled()
    {
        foreach (var file in oomFiles)
            foreach (var line in (CgroupFs.Read(file) ?? "").Split('\n'))
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && line.Trim() != "oom_kill 0") return true;
        return false;
    }

    /// <summary>Removes the run's v1 cgroups (empty once its processes are gone); true when all are gone.</summary>
    public bool Remove() => v1Cgroups.All(dir => CgroupFs.Rmdir(dir) is 0 or CgroupFs.ENOENT);
}
