using System.Diagnostics;
using System.Text;
using Pbm.Cli.Cli;
using Pbm.Client;

namespace Pbm.Cli.Commands;

/// <summary>
/// pbm startup prints (or with --install writes and enables) a systemd unit that runs the daemon in the
/// foreground and brings the apps back at boot: the daemon reloads its desired state, and --resurrect adds the
/// apps of `pbm save`'s dump that it does not know. Nothing is frozen into the unit but the pbm binary's path as
/// found on PATH (a symlink such as /usr/local/bin/pbm stays valid across upgrades): no PATH, no interpreter path
/// (PM2 #2006), because each app keeps the environment it was started with and its interpreter is looked up on
/// that PATH at every spawn.
/// </summary>
internal static class StartupCommand
{
    public static int Run(Context c)
    {
        if (c.Args.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{c.Args.Positionals[0]}' (pbm startup writes a systemd unit; other init systems are not supported)");
        var user = c.Args.Value("user")
                   ?? (Environment.UserName == "root" && Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo : Environment.UserName);
        var home = HomeOf(user) ?? throw new PbmException($"unknown user '{user}' (not in /etc/passwd)");
        var pbmHome = user == Environment.UserName && Environment.GetEnvironmentVariable("PBM_HOME") is { Length: > 0 } h
            ? Path.GetFullPath(h)
            : Path.Combine(home, ".pbm");
        var unitName = c.Args.Value("unit") ?? $"pbm-{user}";
        var unit = Unit(user, home, pbmHome, Binary());
        if (!c.Args.Has("install"))
        {
            Console.Out.Write(unit);
            if (!Console.IsErrorRedirected)
                Console.Error.WriteLine($"[pbm] to install it: sudo {Binary()} startup --install{(user == Environment.UserName ? "" : " --user " + user)}");
            return 0;
        }
        var path = $"/etc/systemd/system/{unitName}.service";
        try
        {
            File.WriteAllText(path, unit);
        }
        catch (UnauthorizedAccessException)
        {
            throw new PbmException($"cannot write {path}: pbm startup --install needs root (sudo {Binary()} startup --install)");
        }
        catch (IOException e)
        {
            throw new PbmException($"cannot write {path}: {e.Message}");
        }
        Systemctl("daemon-reload");
        Systemctl("enable", unitName);
        Console.Out.WriteLine($"wrote {path} and enabled {unitName}: the daemon of {user} starts at boot and brings its apps back");
        Console.Out.WriteLine($"start it now with: pbm kill && sudo systemctl start {unitName}   (remove with: sudo pbm unstartup)");
        return 0;
    }

    /// <summary>pbm unstartup: disables the unit pbm startup --install wrote and removes it (the running daemon is left alone).</summary>
    public static int Remove(Context c)
    {
        if (c.Args.Positionals.Count > 0) throw new UsageException($"unexpected argument '{c.Args.Positionals[0]}' (pbm unstartup removes the systemd unit)");
        var user = c.Args.Value("user")
                   ?? (Environment.UserName == "root" && Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo : Environment.UserName);
        var unitName = c.Args.Value("unit") ?? $"pbm-{user}";
        var path = $"/etc/systemd/system/{unitName}.service";
        if (!File.Exists(path))
        {
            Console.Out.WriteLine($"no unit at {path}: nothing to remove");
            return 0;
        }
        if (!File.ReadAllText(path).Contains("Written by `pbm startup`", StringComparison.Ordinal))
            throw new PbmException($"{path} was not written by pbm startup; not removing it");
        try
        {
            Systemctl("disable", unitName);
        }
        catch (PbmException e)
        {
            // A unit that systemd does not know (never enabled, or no systemd running) is still removed.
            Console.Error.WriteLine($"[pbm] {e.Message}");
        }
        try
        {
            File.Delete(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new PbmException($"cannot remove {path}: pbm unstartup needs root (sudo {Binary()} unstartup)");
        }
        try
        {
            Systemctl("daemon-reload");
        }
        catch (PbmException)
        {
            // No systemd running (a container): the file is gone, which is what counts.
        }
        Console.Out.WriteLine($"disabled {unitName} and removed {path}: the daemon of {user} no longer starts at boot (a running one keeps running; pbm kill stops it)");
        return 0;
    }

    public static string Unit(string user, string home, string pbmHome, string binary)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by `pbm startup`: runs the pbm daemon of ").Append(user).Append(" and brings its apps back at boot.\n");
        sb.Append("[Unit]\n");
        sb.Append("Description=pbm process manager (").Append(user).Append(")\n");
        sb.Append("After=network.target\n\n");
        sb.Append("[Service]\n");
        sb.Append("Type=simple\n");
        sb.Append("User=").Append(user).Append('\n');
        sb.Append("WorkingDirectory=").Append(Escape(home)).Append('\n');
        sb.Append("Environment=\"PBM_HOME=").Append(pbmHome.Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        sb.Append("# No PATH here on purpose: each app keeps the environment it was started with (its PATH included).\n");
        sb.Append("ExecStart=").Append(Escape(binary)).Append(" daemon --foreground --resurrect\n");
        sb.Append("# SIGTERM to the daemon only: it stops every app gracefully (kill-timeout each), keeping the desired state.\n");
        sb.Append("KillMode=mixed\n");
        sb.Append("# The unit's cgroup is the daemon's to divide: one cgroup per instance, so stop kills every descendant.\n");
        sb.Append("Delegate=yes\n");
        sb.Append("TimeoutStopSec=130\n");
        sb.Append("Restart=on-failure\n");
        sb.Append("RestartSec=2\n");
        sb.Append("LimitNOFILE=65536\n\n");
        sb.Append("[Install]\n");
        sb.Append("WantedBy=multi-user.target\n");
        return sb.ToString();
    }

    /// <summary>Systemd unit paths: spaces and specials escaped, % doubled.</summary>
    private static string Escape(string path) =>
        path.Replace("%", "%%", StringComparison.Ordinal).Replace("\\", "\\\\", StringComparison.Ordinal).Replace(" ", "\\x20", StringComparison.Ordinal);

    /// <summary>The pbm on PATH when it is this binary (a symlink survives upgrades), else this binary's own path.</summary>
    private static string Binary()
    {
        var self = Environment.ProcessPath ?? Path.Combine(AppContext.BaseDirectory, "pbm");
        var real = Resolve(self);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "pbm");
            if (Path.IsPathRooted(candidate) && File.Exists(candidate) && Resolve(candidate) == real) return candidate;
        }
        return self;
    }

    private static string Resolve(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static string? HomeOf(string user)
    {
        if (!File.Exists("/etc/passwd")) return null;
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length >= 6 && f[0] == user) return f[5];
        }
        return null;
    }

    private static void Systemctl(params string[] args)
    {
        var psi = new ProcessStartInfo("systemctl") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new PbmException($"systemctl {string.Join(' ', args)} failed: {err.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new PbmException("systemctl not found: is this a systemd machine?");
        }
    }
}
