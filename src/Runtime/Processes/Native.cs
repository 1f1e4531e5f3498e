using System.Runtime.InteropServices;

namespace Pbm.Runtime.Processes;

/// <summary>The few libc calls .NET lacks: signalling a whole process group, socket pairs and pipes for children (see <see cref="Spawn"/>).</summary>
internal static partial class Native
{
    public const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int sig);

    /// <summary>kill(2); returns 0, or the errno.</summary>
    public static int Kill(int pid, int sig) => KillRaw(pid, sig) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Signals every process of group <paramref name="pgid"/>; returns 0, or the errno (ESRCH: group gone).</summary>
    public static int KillGroup(int pgid, int sig) => pgid > 1 ? Kill(-pgid, sig) : ESRCH;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int MadviseRaw(nint address, nuint length, int advice);

    /// <summary>MADV_PAGEOUT (Linux 5.4+): reclaim these pages now; clean file pages are dropped, re-read on use.</summary>
    public const int MADV_PAGEOUT = 21;

    /// <summary>MADV_RANDOM: no read-ahead on faults in this range, so a refault reads the one page it needs.</summary>
    public const int MADV_RANDOM = 1;

    /// <summary>madvise(2); returns 0, or the errno (EINVAL on a kernel without the advice).</summary>
    public static int Madvise(nint address, nuint length, int advice) =>
        MadviseRaw(address, length, advice) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    private const int AF_UNIX = 1;
    private const int SOCK_STREAM = 1;
    private const int SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static unsafe partial int SocketPairRaw(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>A connected pair of Unix stream sockets, both close-on-exec; throws IOException with the errno.</summary>
    public static unsafe (int A, int B) SocketPair()
    {
        var fds = stackalloc int[2];
        if (SocketPairRaw(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
            throw new IOException($"socketpair failed: errno {Marshal.GetLastPInvokeError()}");
        return (fds[0], fds[1]);
    }

    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2Raw(int* fds, int flags);

    /// <summary>A pipe, both ends close-on-exec; throws IOException with the errno.</summary>
    public static unsafe (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        if (Pipe2Raw(fds, O_CLOEXEC) != 0) throw new IOException($"pipe2 failed: {ErrorText(Marshal.GetLastPInvokeError())}");
        return (fds[0], fds[1]);
    }

    /// <summary>strerror: "No such file or directory" for ENOENT.</summary>
    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
