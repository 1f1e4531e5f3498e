using System.Globalization;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Gives back the memory that only the daemon's start-up used: the pages of its own files (the native daemon's
/// binary; the JIT daemon's runtime and assemblies) that were read while starting Akka, Kestrel and the host.
/// </summary>
/// <remarks>
/// A daemon runs for months, but its resident set is set in its first seconds: the kernel maps file pages in
/// 64 KB runs around each page touched (fault-around), so starting up leaves most of a 48 MB native binary
/// resident although an idle daemon runs a few MB of it. Those pages are clean (the file holds them), so
/// MADV_PAGEOUT can drop them at once instead of waiting for memory pressure; whatever the daemon still runs
/// is faulted back from the file on its next use. A page another process maps as well (a second daemon of the
/// same build on the host) stays: the kernel only pages out what this process alone holds, and a shared page is
/// paid for once anyway. Anonymous memory (the GC heap, stacks, written data) is never
/// touched: without swap the kernel cannot page it out, and with swap we do not ask it to. Measured with the
/// native daemon (bench/overhead): idle RSS 68-70 MB before, 41-42 MB after, stable over minutes.
/// `pbm.memory.page-out-after-start = off` disables it; kernels before 5.4 answer EINVAL and nothing changes.
/// </remarks>
public static class StartupPages
{
    /// <summary>What one pass did.</summary>
    /// <param name="Mappings">File mappings advised.</param>
    /// <param name="FileBefore">Resident file-backed bytes of this process before the pass.</param>
    /// <param name="FileAfter">Resident file-backed bytes right after it.</param>
    /// <param name="Error">The errno text when the kernel refused the advice.</param>
    public sealed record Result(int Mappings, long FileBefore, long FileAfter, string? Error);

    /// <summary>Advises MADV_PAGEOUT over every file-backed mapping of this process (never anonymous memory).</summary>
    public static Result PageOut()
    {
        var before = ResidentFileBytes();
        var advised = 0;
        string? error = null;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // address perms offset dev inode path; only mappings of a real file (path starts with '/').
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 6 || !parts[5].StartsWith('/') || parts[4] == "0") continue;
            var dash = parts[0].IndexOf('-');
            var start = long.Parse(parts[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = long.Parse(parts[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var rc = Native.Madvise((nint)start, (nuint)(end - start), Native.MADV_PAGEOUT);
            if (rc == 0)
            {
                advised++;
                // A refault would otherwise read 128 KB around the page (read-ahead) and the kernel then maps
                // the cached neighbours too (fault-around): code run once a minute would bring back 32 pages each.
                Native.Madvise((nint)start, (nuint)(end - start), Native.MADV_RANDOM);
            }
            else error ??= $"madvise(MADV_PAGEOUT) failed with errno {rc}";
        }
        return new Result(advised, before, ResidentFileBytes(), advised == 0 ? error : null);
    }

    /// <summary>This process's resident file-backed bytes (RssFile in /proc/self/status).</summary>
    public static long ResidentFileBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("RssFile:", StringComparison.Ordinal)) continue;
            var kb = line.AsSpan(8).Trim();
            kb = kb[..kb.IndexOf(' ')];
            return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }
}
