using System.Runtime.InteropServices;

namespace Pbm.Runtime.Processes;

/// <summary>The few libc calls .NET's Process API lacks: signalling a whole process group.</summary>
internal static partial class Native
{
    public const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int sig);

    /// <summary>kill(2); returns 0, or the errno.</summary>
    public static int Kill(int pid, int sig) => KillRaw(pid, sig) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Signals every process of group <paramref name="pgid"/>; returns 0, or the errno (ESRCH: group gone).</summary>
    public static int KillGroup(int pgid, int sig) => pgid > 1 ? Kill(-pgid, sig) : ESRCH;

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();
}
