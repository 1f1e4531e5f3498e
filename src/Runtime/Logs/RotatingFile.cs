namespace Pbm.Runtime.Logs;

/// <summary>
/// One log file (PATH) that rotates once it passes MaxBytes: PATH becomes PATH.1, PATH.1 becomes PATH.2, and so on,
/// keeping MaxFiles files in all (PATH included). Written by one writer task; <see cref="Truncate"/> (pbm flush)
/// may come from another thread, hence the lock.
/// </summary>
internal sealed class RotatingFile(string path, long maxBytes, int maxFiles) : IDisposable
{
    private readonly object _gate = new();
    private FileStream? _stream;
    private long _size;

    public string Path { get; } = path;

    /// <summary>Appends <paramref name="bytes"/> (whole lines); throws IOException or UnauthorizedAccessException when the file cannot be written.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_stream is null)
            {
                _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
                _size = _stream.Length;
            }
            _stream.Write(bytes);
            _size += bytes.Length;
            if (_size >= maxBytes) Rotate();
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            try
            {
                _stream?.Flush();
            }
            catch (IOException)
            {
                // Reported by the next write.
            }
        }
    }

    /// <summary>Forgets the open file so the next write opens it again (after an error).</summary>
    public void Reset()
    {
        lock (_gate) Close();
    }

    /// <summary>Empties the current file and deletes the rotated ones (pbm flush).</summary>
    public void Truncate()
    {
        lock (_gate)
        {
            Close();
            DeleteAll(Path);
        }
    }

    /// <summary>Deletes PATH and its rotated files; missing ones are fine.</summary>
    public static void DeleteAll(string path)
    {
        if (File.Exists(path))
        {
            using var _ = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        var dir = System.IO.Path.GetDirectoryName(path)!;
        var name = System.IO.Path.GetFileName(path) + ".";
        if (!Directory.Exists(dir)) return;
        foreach (var f in Directory.EnumerateFiles(dir, name + "*"))
            if (int.TryParse(System.IO.Path.GetFileName(f)[name.Length..], out _)) File.Delete(f);
    }

    private void Rotate()
    {
        Close();
        if (maxFiles <= 1)
        {
            // One file only: start it again rather than grow past the bound.
            File.Delete(Path);
            return;
        }
        File.Delete($"{Path}.{maxFiles - 1}");
        for (var i = maxFiles - 2; i >= 1; i--)
            if (File.Exists($"{Path}.{i}")) File.Move($"{Path}.{i}", $"{Path}.{i + 1}", true);
        File.Move(Path, $"{Path}.1", true);
    }

    private void Close()
    {
        try
        {
            _stream?.Dispose();
        }
        catch (IOException)
        {
            // The bytes still buffered are lost with the file; nothing else to do.
        }
        _stream = null;
        _size = 0;
    }

    public void Dispose()
    {
        lock (_gate) Close();
    }
}
