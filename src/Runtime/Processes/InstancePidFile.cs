using System.Globalization;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Processes;

/// <summary>
/// The user's --pid-file: instance 0 writes PATH, instance N writes NAME-N.EXT beside it, so the names stay put
/// when the app is scaled. Written when a process starts, removed when it ends (only if it still names that pid).
/// </summary>
internal static class InstancePidFile
{
    public static string PathOf(string pidFile, int index)
    {
        if (index == 0) return pidFile;
        var dir = Path.GetDirectoryName(pidFile) ?? "/";
        var ext = Path.GetExtension(pidFile);
        return Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(pidFile)}-{index.ToString(CultureInfo.InvariantCulture)}{ext}");
    }

    /// <summary>Writes the pid; returns what went wrong, or null.</summary>
    public static string? Write(AppSpec spec, int index, int pid)
    {
        if (spec.PidFile is null) return null;
        var path = PathOf(spec.PidFile, index);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, pid.ToString(CultureInfo.InvariantCulture) + "\n");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: {e.Message}";
        }
    }

    public static void Remove(AppSpec spec, int index, int pid)
    {
        if (spec.PidFile is null) return;
        var path = PathOf(spec.PidFile, index);
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() == pid.ToString(CultureInfo.InvariantCulture)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale pid file names a dead process; the next start overwrites it.
        }
    }
}
