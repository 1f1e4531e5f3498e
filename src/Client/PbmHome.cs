namespace Pbm.Client;

/// <summary>
/// The files of one pbm installation: PBM_HOME, or ~/.pbm when unset. Shared by the CLI and the daemon
/// so both agree on where the socket, token, state and logs are.
/// </summary>
public sealed class PbmHome
{
    public PbmHome(string root) => Root = Path.GetFullPath(root);

    /// <summary>PBM_HOME if set, else ~/.pbm.</summary>
    public static PbmHome FromEnvironment()
    {
        var env = Environment.GetEnvironmentVariable("PBM_HOME");
        if (!string.IsNullOrWhiteSpace(env)) return new PbmHome(env);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new PbmHome(Path.Combine(string.IsNullOrEmpty(home) ? "/tmp" : home, ".pbm"));
    }

    public string Root { get; }
    /// <summary>The local control socket; its file mode (0600) is the access control.</summary>
    public string Socket => Path.Combine(Root, "rpc.sock");
    /// <summary>The token every TCP request must carry (mode 0600).</summary>
    public string TokenFile => Path.Combine(Root, "token");
    public string StateDir => Path.Combine(Root, "state");
    /// <summary>Desired state: the app set the daemon runs, written atomically on every change.</summary>
    public string StateFile => Path.Combine(StateDir, "apps.json");
    /// <summary>One file per running instance naming its process group, so a new daemon can reap orphans.</summary>
    public string PidDir => Path.Combine(Root, "pids");
    public string LogDir => Path.Combine(Root, "logs");
    public string DaemonLog => Path.Combine(Root, "pbm.log");
    /// <summary>Held (flock) by the running daemon: at most one daemon per home.</summary>
    public string LockFile => Path.Combine(Root, "daemon.lock");
    public string DaemonPidFile => Path.Combine(Root, "daemon.pid");
    /// <summary>stdout/stderr of a detached daemon (start-up crashes land here).</summary>
    public string DaemonOut => Path.Combine(Root, "daemon.out");

    /// <summary>A dump path: null means dump.json; a bare name means dump-NAME.json in the home; else a path.</summary>
    public string DumpFile(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return Path.Combine(Root, "dump.json");
        if (name.Contains('/') || name.EndsWith(".json", StringComparison.Ordinal)) return Path.GetFullPath(name);
        return Path.Combine(Root, $"dump-{name}.json");
    }

    /// <summary>Creates the home (mode 0700) if needed.</summary>
    public void Ensure()
    {
        Directory.CreateDirectory(Root);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(StateDir);
        Directory.CreateDirectory(PidDir);
        Directory.CreateDirectory(LogDir);
    }
}
