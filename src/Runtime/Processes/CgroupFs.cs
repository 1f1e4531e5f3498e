using System.Runtime.InteropServices;

namespace Pbm.Runtime.Processes;

/// <summary>
/// The four calls on cgroupfs that need their exact errno (mkdir, rmdir, one write, one read), made straight on
/// libc: a cgroup interface file takes one write(2) of the whole value and answers with the errno that says why not
/// (ESRCH: that pid is gone, EBUSY: still populated, EACCES/EROFS: not ours to change). .NET's FileStream would
/// add a stat, a lock and buffering, and only an IOException message.
/// </summary>
internal static partial class CgroupFs
{
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EEXIST = 17;

    private const int O_WRONLY = 1;
    private const int O_CLOEXEC = 0x80000;

    /// <summary>mkdir(2) with mode 0755; 0 or the errno (EEXIST when it is there already).</summary>
    public static int Mkdir(string path) => MkdirRaw(path, 0x1ed) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>rmdir(2); 0 or the errno (EBUSY while a process or a child cgroup is in it, ENOENT when gone).</summary>
    public static int Rmdir(string path) => RmdirRaw(path) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Writes <paramref name="value"/> to an interface file in one write(2); 0 or the errno.</summary>
    public static unsafe int Write(string path, string value)
    {
        var fd = OpenRaw(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        try
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(value);
            fixed (byte* p = bytes)
            {
                var n = WriteRaw(fd, p, (nuint)bytes.Length);
                return n < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
        }
        finally
        {
            Native.Close(fd);
        }
    }

    /// <summary>An interface file's text, or null when it cannot be read (the cgroup is gone).</summary>
    public static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirRaw(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RmdirRaw(string path);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteRaw(int fd, byte* buffer, nuint count);
}
