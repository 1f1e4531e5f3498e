using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Pbm.Runtime.Processes;

/// <summary>
/// posix_spawn(3) of one instance's process, the way <see cref="ChildProcess"/> needs it: a session of its own,
/// stdin /dev/null, stdout and stderr onto the given pipe ends, optionally an IPC descriptor at fd 3, and no other
/// descriptor of ours; the working directory and exactly the given environment; every signal at its default
/// disposition and none blocked (the .NET runtime ignores SIGPIPE, and a daemon started in the background by a
/// shell ignores SIGINT and SIGQUIT: a child must not inherit that).
/// </summary>
/// <remarks>
/// glibc's posix_spawn runs the file actions and execve in a vfork-like child and returns execve's error, so a
/// missing or non-executable command fails <see cref="Start"/> itself. A bare command name is looked up in the
/// PATH of the child's environment, as execvp(3) in the child would (the default /bin:/usr/bin without PATH; an
/// empty or relative entry is relative to the working directory), and a file without a #! line is run by
/// /bin/sh, as execvp does. Needs glibc 2.29 (addchdir_np) and 2.26 (POSIX_SPAWN_SETSID); with glibc 2.34 or
/// later (addclosefrom_np) even descriptors the daemon itself inherited without close-on-exec are closed.
/// Everything crosses into libc as pointers built here (no marshalled arrays), so it works under Native AOT.
/// </remarks>
internal static unsafe partial class Spawn
{
    /// <summary>Where the IPC descriptor lands in the child (NODE_CHANNEL_FD).</summary>
    public const int IpcFd = 3;

    private const short POSIX_SPAWN_SETSIGDEF = 0x04;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    private const short POSIX_SPAWN_SETSID = 0x80;
    private const int O_RDONLY = 0;
    private const int X_OK = 1;
    private const int ENOENT = 2;
    private const int ENOEXEC = 8;
    private const int EACCES = 13;
    private const string DefaultPath = "/bin:/usr/bin";

    // posix_spawnattr_t (336 bytes on glibc x86-64/arm64), posix_spawn_file_actions_t (80) and sigset_t (128) are
    // opaque: they get more room than any libc needs, zeroed, and are only touched through libc.
    private const int OpaqueSize = 1024;

    private static volatile bool _noCloseFrom;

    /// <summary>
    /// Starts <paramref name="spec"/> with <paramref name="stdout"/> and <paramref name="stderr"/> (the write ends
    /// of the caller's pipes) as its fds 1 and 2, and <paramref name="ipc"/> (unless -1) as its fd 3; returns the pid.
    /// </summary>
    /// <exception cref="Win32Exception">The command cannot be run (its errno and a message naming it).</exception>
    /// <exception cref="IOException">The libc lacks a function this needs (glibc before 2.29).</exception>
    public static int Start(LaunchSpec spec, int stdout, int stderr, int ipc)
    {
        try
        {
            return StartOrThrow(spec, stdout, stderr, ipc);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new IOException($"cannot run {spec.Command}: the C library lacks a posix_spawn function pbm needs (glibc 2.29 or later): {e.Message}", e);
        }
    }

    private static int StartOrThrow(LaunchSpec spec, int stdout, int stderr, int ipc)
    {
        var path = Resolve(spec);
        var argv = new List<string>(spec.Args.Count + 1) { spec.Command };
        argv.AddRange(spec.Args);
        var envp = new List<string>(spec.Env.Count);
        foreach (var (k, v) in spec.Env) envp.Add($"{k}={v}");

        var rc = SpawnOnce(path, argv, envp, spec.Cwd, stdout, stderr, ipc, out var pid);
        if (rc == ENOEXEC)
        {
            // No #! line: execvp hands such a file to the shell, so does this.
            argv[0] = path;
            argv.Insert(0, "/bin/sh");
            rc = SpawnOnce("/bin/sh", argv, envp, spec.Cwd, stdout, stderr, ipc, out pid);
        }
        if (rc != 0)
        {
            var why = rc == ENOENT && !Directory.Exists(spec.Cwd) ? $"working directory {spec.Cwd}: {Native.ErrorText(rc)}" : Native.ErrorText(rc);
            throw new Win32Exception(rc, $"cannot run {spec.Command}: {why}");
        }
        return pid;
    }

    /// <summary>
    /// The file execvp would run: the command itself when it holds a '/', else the first executable regular file
    /// named so in PATH's directories.
    /// </summary>
    internal static string Resolve(LaunchSpec spec)
    {
        var command = spec.Command;
        if (command.Length == 0) throw new Win32Exception(ENOENT, $"cannot run an empty command: {Native.ErrorText(ENOENT)}");
        // The child chdirs from the daemon's working directory, so a relative cwd is relative to that.
        var cwd = Path.GetFullPath(spec.Cwd);
        if (command.Contains('/')) return Path.GetFullPath(command, cwd);
        var searched = spec.Env.TryGetValue("PATH", out var p) ? p : DefaultPath;
        var denied = false;
        foreach (var dir in searched.Split(':'))
        {
            var candidate = Path.GetFullPath(dir.Length == 0 ? command : Path.Combine(dir, command), cwd);
            if (Directory.Exists(candidate) || !File.Exists(candidate)) continue;
            if (Access(candidate, X_OK) == 0) return candidate;
            denied = true;
        }
        var errno = denied ? EACCES : ENOENT;
        throw new Win32Exception(errno, $"cannot run {command}: {Native.ErrorText(errno)} (searched PATH {searched})");
    }

    private static int SpawnOnce(string path, List<string> argv, List<string> envp, string cwd, int stdout, int stderr, int ipc, out int pid)
    {
        pid = -1;
        var strings = new List<nint>(argv.Count + envp.Count + 3);
        byte** argvp = null, envpp = null;
        void* attr = NativeMemory.AllocZeroed(OpaqueSize);
        void* actions = NativeMemory.AllocZeroed(OpaqueSize);
        void* noSignals = NativeMemory.AllocZeroed(OpaqueSize);
        void* allSignals = NativeMemory.AllocZeroed(OpaqueSize);
        bool attrReady = false, actionsReady = false;
        try
        {
            byte* Utf8(string s)
            {
                var p = Marshal.StringToCoTaskMemUTF8(s);
                strings.Add(p);
                return (byte*)p;
            }
            byte** Vector(List<string> items)
            {
                var v = (byte**)NativeMemory.AllocZeroed((nuint)(items.Count + 1), (nuint)sizeof(byte*));
                for (var i = 0; i < items.Count; i++) v[i] = Utf8(items[i]);
                return v;
            }
            argvp = Vector(argv);
            envpp = Vector(envp);

            int rc;
            if ((rc = posix_spawnattr_init(attr)) != 0) return rc;
            attrReady = true;
            if ((rc = posix_spawn_file_actions_init(actions)) != 0) return rc;
            actionsReady = true;

            sigemptyset(noSignals);
            sigfillset(allSignals);
            // sigfillset leaves out libc's own signals (32 and 33, for thread cancellation and setuid), which the
            // spawn would then set to SIG_IGN in the child, an exec keeping them ignored: Linux's sigset_t holds
            // signal N at bit N-1, so all of 1 to 64 are set here. Their default is what fork+exec gives.
            *(ulong*)allSignals = ulong.MaxValue;
            if ((rc = posix_spawnattr_setsigmask(attr, noSignals)) != 0) return rc;
            if ((rc = posix_spawnattr_setsigdefault(attr, allSignals)) != 0) return rc;
            if ((rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0) return rc;

            if ((rc = posix_spawn_file_actions_addopen(actions, 0, Utf8("/dev/null"), O_RDONLY, 0)) != 0) return rc;
            if ((rc = posix_spawn_file_actions_adddup2(actions, stdout, 1)) != 0) return rc;
            if ((rc = posix_spawn_file_actions_adddup2(actions, stderr, 2)) != 0) return rc;
            if (ipc >= 0 && (rc = posix_spawn_file_actions_adddup2(actions, ipc, IpcFd)) != 0) return rc;
            if ((rc = posix_spawn_file_actions_addchdir_np(actions, Utf8(cwd))) != 0) return rc;
            if ((rc = CloseFrom(actions, ipc >= 0 ? IpcFd + 1 : 3)) != 0) return rc;

            int child;
            rc = posix_spawn(&child, Utf8(path), actions, attr, argvp, envpp);
            if (rc == 0) pid = child;
            return rc;
        }
        finally
        {
            if (actionsReady) posix_spawn_file_actions_destroy(actions);
            if (attrReady) posix_spawnattr_destroy(attr);
            NativeMemory.Free(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(noSignals);
            NativeMemory.Free(allSignals);
            NativeMemory.Free(argvp);
            NativeMemory.Free(envpp);
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
        }
    }

    /// <summary>
    /// Closes every descriptor from <paramref name="lowest"/> up in the child: ours are all close-on-exec already,
    /// this also catches those the daemon inherited from whoever started it. Skipped on a libc without it.
    /// </summary>
    private static int CloseFrom(void* actions, int lowest)
    {
        if (_noCloseFrom) return 0;
        try
        {
            return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
        }
        catch (EntryPointNotFoundException)
        {
            _noCloseFrom = true;
            return 0;
        }
    }

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);

    [LibraryImport("libc")]
    private static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_init(void* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addopen(void* actions, int fd, byte* path, int oflag, uint mode);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addchdir_np(void* actions, byte* path);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addclosefrom_np(void* actions, int from);

    [LibraryImport("libc")]
    private static partial int sigemptyset(void* set);

    [LibraryImport("libc")]
    private static partial int sigfillset(void* set);
}
