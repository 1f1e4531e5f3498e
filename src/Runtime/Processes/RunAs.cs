using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Pbm.Runtime.Processes;

/// <summary>
/// The user (and group) an app's instances run as (--user, --group; PM2's uid and gid), resolved on the host that
/// runs them (getpwnam_r/getgrnam_r: /etc/passwd, LDAP, whatever NSS says). posix_spawn cannot change ids, and a
/// multithreaded .NET process must not fork to do it, so the instance is exec'd through util-linux's setpriv
/// (<c>setpriv --reuid U --regid G --init-groups -- COMMAND</c>), which execs the app in the same process: its pid,
/// session and cgroup are the ones pbm gave it. Only a daemon running as root may do this; its pipes (logs) and
/// pid files stay the daemon's.
/// </summary>
internal sealed partial record RunAs(uint Uid, uint Gid, string? UserName, string? Home, bool InitGroups)
{
    private static readonly string[] SetprivPaths = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv", "/sbin/setpriv"];

    /// <summary>setpriv's path, or null when util-linux's setpriv is not installed.</summary>
    public static string? Setpriv { get; } = SetprivPaths.FirstOrDefault(File.Exists);

    /// <summary>True when this process runs as root (effective uid 0).</summary>
    public static bool IsRoot => geteuid() == 0;

    /// <summary>
    /// The ids for <paramref name="user"/> and <paramref name="group"/> (names or numbers; either may be null, not
    /// both), or null with <paramref name="problem"/> saying why they cannot be used on this host.
    /// </summary>
    public static RunAs? Resolve(string? user, string? group, string host, out string problem)
    {
        var what = user is null ? $"--group {group}" : group is null ? $"--user {user}" : $"--user {user} --group {group}";
        if (!IsRoot)
        {
            problem = $"{what}: the daemon on {host} runs as uid {geteuid()}, not root; only a daemon started as root can run apps as another user";
            return null;
        }
        if (Setpriv is null)
        {
            problem = $"{what}: setpriv (util-linux) is not installed on {host}; it switches the instance to that user";
            return null;
        }
        uint uid = 0, gid = 0;
        string? name = null, home = null;
        var known = false;
        if (user is not null)
        {
            if (Lookup(user, out uid, out gid, out name, out home)) known = true;
            else if (!uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
            {
                problem = $"--user {user}: no such user on {host}";
                return null;
            }
        }
        if (group is not null && !GroupId(group, out gid))
        {
            problem = $"--group {group}: no such group on {host}";
            return null;
        }
        problem = "";
        return new RunAs(uid, gid, name, home, known);
    }

    /// <summary>
    /// <paramref name="spec"/> run through setpriv as this user, with the user's HOME, USER and LOGNAME. The command
    /// is resolved here, in the caller's PATH, so a missing one fails the start as it would without a user.
    /// </summary>
    /// <exception cref="Win32Exception">The command cannot be found or run.</exception>
    public LaunchSpec Wrap(LaunchSpec spec)
    {
        var path = Spawn.Resolve(spec);
        var env = new Dictionary<string, string>(spec.Env);
        if (Home is not null) env["HOME"] = Home;
        if (UserName is not null) env["USER"] = env["LOGNAME"] = UserName;
        var uid = Uid.ToString(CultureInfo.InvariantCulture);
        var gid = Gid.ToString(CultureInfo.InvariantCulture);
        return spec with
        {
            Command = Setpriv ?? throw new Win32Exception(2, "setpriv (util-linux) is not installed"),
            Args = ["--reuid=" + uid, "--regid=" + gid, InitGroups ? "--init-groups" : "--clear-groups", "--", path, .. spec.Args],
            Env = env,
        };
    }

    private static unsafe bool Lookup(string user, out uint uid, out uint gid, out string? name, out string? home)
    {
        uid = gid = 0;
        name = home = null;
        var buffer = new byte[64 * 1024];
        var pwd = stackalloc byte[64];
        nint result = 0;
        fixed (byte* buf = buffer)
        {
            int rc = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? getpwuid_r(number, pwd, buf, (nuint)buffer.Length, &result)
                : getpwnam_r(user, pwd, buf, (nuint)buffer.Length, &result);
            if (rc != 0 || result == 0) return false;
            // struct passwd: pw_name, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell (glibc, 64-bit).
            name = Marshal.PtrToStringUTF8(*(nint*)pwd);
            uid = *(uint*)(pwd + 16);
            gid = *(uint*)(pwd + 20);
            home = Marshal.PtrToStringUTF8(*(nint*)(pwd + 32));
            return true;
        }
    }

    private static unsafe bool GroupId(string group, out uint gid)
    {
        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out gid)) return true;
        var buffer = new byte[64 * 1024];
        var grp = stackalloc byte[32];
        nint result = 0;
        fixed (byte* buf = buffer)
        {
            if (getgrnam_r(group, grp, buf, (nuint)buffer.Length, &result) != 0 || result == 0) return false;
            // struct group: gr_name, gr_passwd, gr_gid, gr_mem.
            gid = *(uint*)(grp + 16);
            return true;
        }
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int getpwnam_r(string name, byte* pwd, byte* buf, nuint buflen, nint* result);

    [LibraryImport("libc")]
    private static unsafe partial int getpwuid_r(uint uid, byte* pwd, byte* buf, nuint buflen, nint* result);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int getgrnam_r(string name, byte* grp, byte* buf, nuint buflen, nint* result);
}
