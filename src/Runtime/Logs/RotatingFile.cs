using System.Buffers;

namespace Pbm.Runtime.Logs;

/// <summary>
/// One log file (PATH) that rotates once it passes MaxBytes: PATH becomes PATH.1, PATH.1 becomes PATH.2, and so on,
/// keeping MaxFiles files in all (PATH included). Written by one writer task; <see cref="Truncate"/> (pbm flush)
/// may come from another thread, hence the lock.
/// </summary>
/// <remarks>
/// Lines are gathered in a buffer rented from the shared pool and handed back at every <see cref="Flush"/> (the
/// writer flushes whenever its queue runs dry), so a quiet instance holds no buffer: a FileStream's own 64 KB
/// buffer stayed allocated for the life of the file, 128 KB for each instance that ever printed a line.
/// </remarks>
internal sealed class RotatingFile(string path, long maxBytes, int maxFiles) : IDisposable
{
    private const int BufferBytes = 64 * 1024;
    private readonly object _gate = new();
    private FileStream? _stream;
    private byte[]? _buffer;
    private int _buffered;
    private long _size;

    public string Path { get; } = path;

    /// <summary>Appends <paramref name="bytes"/> (whole lines); throws IOException or UnauthorizedAccessException when the file cannot be written.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_stream is null)
            {
                _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
                _size = _stream.Length;
            }
            if (bytes.Length > BufferBytes - _buffered) WriteBuffered();
            if (bytes.Length >= BufferBytes)
            {
                _stream.Write(bytes);
            }
            else
            {
                _buffer ??= ArrayPool<byte>.Shared.Rent(BufferBytes);
                bytes.CopyTo(_buffer.AsSpan(_buffered));
                _buffered += bytes.Length;
            }
            _size += bytes.Length;
            if (_size < maxBytes) return;
            WriteBuffered();
            Rotate();
        }
    }

    /// <summary>Creates the file if it does not exist (without keeping it open); throws when it cannot be written.</summary>
    public void Touch()
    {
        lock (_gate)
        {
            if (_stream is not null) return;
            using var _ = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
    }

    /// <summary>Writes what is buffered and gives the buffer back; an error is reported by the next write.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            try
            {
                WriteBuffered();
                ReturnBuffer();
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
        // Not a "NAME.*" search pattern: .NET's file matching takes "NAME.*" to match NAME itself too (DOS rules).
        foreach (var f in Directory.EnumerateFiles(dir))
        {
            var file = System.IO.Path.GetFileName(f);
            if (file.Length > name.Length && file.StartsWith(name, StringComparison.Ordinal) && int.TryParse(file[name.Length..], out _)) File.Delete(f);
        }
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

    private void WriteBuffered()
    {
        if (_buffered == 0 || _stream is null) return;
        var count = _buffered;
        _buffered = 0;
        _stream.Write(_buffer!, 0, count);
    }

    private void ReturnBuffer()
    {
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _buffered = 0;
    }

    private void Close()
    {
        try
        {
            WriteBuffered();
            _stream?.Dispose();
        }
        catch (IOException)
        {
            // The bytes still buffered are lost with the file; nothing else to do.
        }
        ReturnBuffer();
        _stream = null;
        _size = 0;
    }

    public void Dispose()
    {
        lock (_gate) Close();
    }
}
