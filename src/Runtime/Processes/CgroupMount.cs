namespace Pbm.Runtime.Processes;

/// <summary>
/// Where this process's cgroup v2 directory is: the cgroup2 mount (from /proc/self/mountinfo: /sys/fs/cgroup on a
/// pure v2 machine, /sys/fs/cgroup/unified on a hybrid one whose controllers are still v1) joined with the
/// <c>0::/path</c> line of /proc/self/cgroup. Pure parsing beside the two reads, so it is tested on sample text.
/// </summary>
internal static class CgroupMount
{
    /// <summary>This process's own cgroup directory, or null with <paramref name="why"/> when there is none to find.</summary>
    public static string? OwnDirectory(out string why)
    {
        string mountinfo, cgroup;
        try
        {
            mountinfo = File.ReadAllText("/proc/self/mountinfo");
            cgroup = File.ReadAllText("/proc/self/cgroup");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = $"cannot read /proc/self: {e.Message}";
            return null;
        }
        return OwnDirectory(mountinfo, cgroup, out why);
    }

    public static string? OwnDirectory(string mountinfo, string procSelfCgroup, out string why)
    {
        if (FindCgroup2(mountinfo) is not { } mount)
        {
            why = "no cgroup2 hierarchy is mounted";
            return null;
        }
        if (OwnPath(procSelfCgroup) is not { } own)
        {
            why = "/proc/self/cgroup has no cgroup v2 (0::) line";
            return null;
        }
        // A container may mount only its part of the hierarchy (the mount's root is then that cgroup, and a cgroup
        // namespace usually shows "/" for it); a path outside the mounted part cannot be reached through it.
        var root = mount.Root.TrimEnd('/');
        if (root.Length > 0)
        {
            if (own != root && !own.StartsWith(root + "/", StringComparison.Ordinal))
            {
                why = $"this process's cgroup {own} is outside the mounted part {mount.Root} of the cgroup2 hierarchy";
                return null;
            }
            own = own[root.Length..];
        }
        why = "";
        return mount.Point.TrimEnd('/') + own.TrimEnd('/');
    }

    /// <summary>The first cgroup2 mount: its mount point and the cgroup it shows as its root.</summary>
    internal static (string Point, string Root)? FindCgroup2(string mountinfo)
    {
        foreach (var line in mountinfo.Split('\n'))
        {
            // ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0) continue;
            var after = line[(dash + 3)..].Split(' ');
            if (after.Length == 0 || after[0] != "cgroup2") continue;
            var fields = line[..dash].Split(' ');
            if (fields.Length < 5) continue;
            return (Unescape(fields[4]), Unescape(fields[3]));
        }
        return null;
    }

    /// <summary>The cgroup v2 path of the <c>0::</c> line ("/" for the root), or null.</summary>
    internal static string? OwnPath(string procSelfCgroup)
    {
        foreach (var line in procSelfCgroup.Split('\n'))
            if (line.StartsWith("0::/", StringComparison.Ordinal)) return line[3..].TrimEnd();
        return null;
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as \040, \011, \012 and \134.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var sb = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                sb.Append((char)((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
                i += 3;
            }
            else sb.Append(field[i]);
        }
        return sb.ToString();

        static bool IsOctal(char c) => c is >= '0' and <= '7';
    }
}
