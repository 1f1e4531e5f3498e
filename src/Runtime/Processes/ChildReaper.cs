using System.Runtime.InteropServices;

namespace Pbm.Runtime.Processes;

/// <summary>
/// Waits for the processes <see cref="Spawn"/> started, with no thread per child: .NET's own SIGCHLD handling
/// only reaps the children System.Diagnostics.Process started, so on each SIGCHLD this calls waitpid(pid, WNOHANG)
/// for each child it watches, and for nothing else (never waitpid(-1): the daemon's other children, started with
/// Process, are the runtime's to reap). The exit code follows Process's convention: the code of a process that
/// exited, 128+N for one killed by signal N (137 for SIGKILL).
/// </summary>
/// <remarks>
/// When the status is gone, because something else reaped the child, the code is <see cref="Unknown"/>. That is
/// the case when this process is pid 1 (a container without an init): the .NET runtime then reaps every child on
/// SIGCHLD before anyone else sees it (see <see cref="Caveat"/>). pbm's daemon avoids that by running as the child
/// of a small pid 1 of its own (Hosting.InitShim); an app embedding pbm's host as pid 1 gets the caveat. When the
/// process was started with SIGCHLD ignored, no SIGCHLD ever comes (the kernel reaps the children): exits are then
/// found by a sweep every second.
/// </remarks>
internal static partial class ChildReaper
{
    /// <summary>The exit code of a child whose status could not be read.</summary>
    public const int Unknown = -1;

    private const int SIGCHLD = 17;
    private const int WNOHANG = 1;
    private const int EINTR = 4;
    private const int ECHILD = 10;
    private static readonly nint SIG_IGN = 1;

    private static readonly Dictionary<int, TaskCompletionSource<int>> Live = [];
    private static readonly List<int> Gone = [];
    private static PosixSignalRegistration? _onSigChld;
    private static Timer? _sweep; // held: a timer nobody references is collected

    /// <summary>Why exit codes may come back <see cref="Unknown"/> in this process, or null when they cannot.</summary>
    public static string? Caveat { get; } = FindCaveat();

    /// <summary>Completes with the exit code of <paramref name="pid"/> (a child of this process) once it exited and was reaped.</summary>
    public static Task<int> WaitAsync(int pid)
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Live)
        {
            if (_onSigChld is null)
            {
                _onSigChld = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => ReapAll());
                if (SigChldIgnored()) _sweep = new Timer(_ => ReapAll(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            }
            // A pid still listed belonged to a child reaped elsewhere whose SIGCHLD is not handled yet: it is gone.
            if (Live.Remove(pid, out var stale)) stale.TrySetResult(Unknown);
            Live.Add(pid, exited);
            // It may have exited before it was watched, its SIGCHLD finding nothing to reap: look once now.
            TryReap(pid, exited);
        }
        return exited.Task;
    }

    private static void ReapAll()
    {
        lock (Live)
        {
            foreach (var (pid, exited) in Live)
                if (Exited(pid) is { } code)
                {
                    Gone.Add(pid);
                    exited.TrySetResult(code);
                }
            foreach (var pid in Gone) Live.Remove(pid);
            Gone.Clear();
        }
    }

    private static void TryReap(int pid, TaskCompletionSource<int> exited)
    {
        if (Exited(pid) is not { } code) return;
        Live.Remove(pid);
        exited.TrySetResult(code);
    }

    /// <summary>Reaps <paramref name="pid"/> if it exited: its code; null while it runs.</summary>
    private static unsafe int? Exited(int pid)
    {
        while (true)
        {
            int status;
            var r = WaitPid(pid, &status, WNOHANG);
            if (r == pid) return Decode(status);
            if (r == 0) return null;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            // ECHILD: no such child any more, someone else reaped it. Anything else cannot happen for a valid pid.
            return errno == ECHILD ? Unknown : null;
        }
    }

    /// <summary>A wait status as .NET's Process reports it: the exit code, or 128 + the signal that killed it.</summary>
    internal static int Decode(int status)
    {
        var signal = status & 0x7f;
        if (signal == 0) return (status >> 8) & 0xff;
        return signal == 0x7f ? Unknown : 128 + signal;
    }

    private static string? FindCaveat()
    {
        if (Native.GetPid() == 1)
            return "this process is pid 1, where .NET reaps every child process itself: apps' exit codes cannot be read (reported as -1); run it under an init (docker run --init, tini)";
        if (SigChldIgnored())
            return "the daemon was started with SIGCHLD ignored: apps' exit codes cannot be read (reported as -1) and exits are seen within a second";
        return null;
    }

    /// <summary>True when SIGCHLD's disposition is SIG_IGN (children then reap themselves and send no SIGCHLD).</summary>
    private static unsafe bool SigChldIgnored()
    {
        // struct sigaction starts with the handler on Linux (glibc and musl); the rest is not looked at.
        var action = stackalloc nint[64];
        return SigAction(SIGCHLD, null, action) == 0 && action[0] == SIG_IGN;
    }

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static unsafe partial int SigAction(int signal, void* action, void* old);
}
