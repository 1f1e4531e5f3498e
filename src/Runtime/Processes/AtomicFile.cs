namespace Pbm.Runtime.Processes;

/// <summary>
/// Write-to-temp, fsync, rename: a crash at any point leaves either the old file or the new one whole,
/// never an empty or half-written one.
/// </summary>
internal static class AtomicFile
{
    private static long _sequence;

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    public static void WriteAllBytes(string path, byte[] bytes)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        // Unique per write: two writers in one process (the master and the state replica) never share a temp file.
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Interlocked.Increment(ref _sequence)}.tmp");
        using (var stream = new FileStream(tmp, new FileStreamOptions
               {
                   Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None,
                   UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
