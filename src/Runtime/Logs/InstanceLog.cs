using System.Threading.Channels;
using Pbm.Client.Contracts;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Logs;

/// <summary>
/// Where one instance's output goes: PBM_HOME/logs/APP-N-out.log and -err.log, rotated (<see cref="RotatingFile"/>),
/// each line timestamped or as JSON. Lines pass through a bounded queue to one writer task. When the queue is full
/// the pipe reader waits a little (the app then blocks on its pipe, as with a terminal), and if the writer still
/// does not catch up (slow or full disk) lines are dropped and counted until the queue is half empty, so the app
/// never freezes. Lines also go to the node's <see cref="LogHub"/> for followers, and the last stderr lines are
/// kept to explain a crash in <c>pbm show</c>.
/// </summary>
internal sealed class InstanceLog : ILineSink, IDisposable
{
    private const int TailSize = 15;
    private readonly Channel<Item> _queue;
    private readonly Queue<string> _errTail = new();
    private readonly LogHub _hub;
    private readonly LogOptions _options;
    private readonly LogStats _stats;
    private readonly Action<string> _onError;
    private readonly RotatingFile? _out;
    private readonly RotatingFile? _err;
    private readonly RotatingFile? _combined;
    private readonly Task _writer;
    private volatile bool _dropping;

    public InstanceLog(LogHub hub, string app, int index, LogOptions options, Action<string> onError)
    {
        _hub = hub;
        App = app;
        Index = index;
        _options = options;
        _onError = onError;
        _stats = hub.Stats(app, index);
        var outPath = FilePath(options.OutFile, hub.DefaultOutPath(app, index), options);
        var errPath = FilePath(options.ErrFile, hub.DefaultErrPath(app, index), options);
        var combinedPath = options.CombinedFile is null ? null : FilePath(options.CombinedFile, "", options);
        hub.SetPaths(app, index, outPath, errPath);
        _out = Open(outPath);
        _err = errPath == outPath ? _out : Open(errPath);
        _combined = combinedPath is null || combinedPath == outPath || combinedPath == errPath ? null : Open(combinedPath);
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(options.QueueSize)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true,
        });
        hub.Register(this);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Where a stream goes: PBM_HOME/logs/APP-N-out.log by default; a file the app names (PM2's out_file: relative to
    /// the log folder when not absolute), with the instance's id before ".log" unless the instances merge their logs,
    /// as PM2 names them (api.log → api-3.log).
    /// </summary>
    private string FilePath(string? given, string fallback, LogOptions options)
    {
        if (given is null) return fallback;
        if (given == "/dev/null") return given;
        var path = Path.Combine(_hub.LogDir, given);
        if (options.Merge || options.FileId is not { } id) return path;
        return System.Text.RegularExpressions.Regex.Replace(path, @"(-[0-9]+)?\.log$", $"-{id}.log");
    }

    private RotatingFile? Open(string path)
    {
        if (path == "/dev/null") return null;
        try
        {
            var dir = Path.GetDirectoryName(path);
            if (dir is not null && dir != _hub.LogDir) Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The first write reports that the file cannot be written, with the reason.
        }
        var file = _hub.Acquire(path, _options.MaxBytes, _options.MaxFiles);
        try
        {
            // As PM2 does, the files exist from the start (tail -f works before the first line); a path that cannot be
            // written is said now, not at the first line.
            file.Touch();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _onError($"cannot write {path}: {e.Message}");
        }
        return file;
    }

    public string App { get; }
    public int Index { get; }
    public long Dropped => _stats.Dropped;

    public ValueTask LineAsync(bool isError, string line)
    {
        var at = DateTimeOffset.Now;
        if (isError)
        {
            lock (_errTail)
            {
                _errTail.Enqueue(line.Length > 500 ? line[..500] : line);
                while (_errTail.Count > TailSize) _errTail.Dequeue();
            }
        }
        if (_hub.HasFollowers) _hub.Publish(new LogEntry(App, Index, isError ? "err" : "out", _options.Time ? at : null, line));
        var item = new Item(isError, at, line);
        if (_dropping)
        {
            if (_queue.Reader.Count > _options.QueueSize / 2)
            {
                _stats.Drop();
                return ValueTask.CompletedTask;
            }
            _dropping = false;
        }
        return _queue.Writer.TryWrite(item) ? ValueTask.CompletedTask : WaitForRoomAsync(item);
    }

    private async ValueTask WaitForRoomAsync(Item item)
    {
        using var cts = new CancellationTokenSource(_options.FullWait);
        try
        {
            while (await _queue.Writer.WaitToWriteAsync(cts.Token).ConfigureAwait(false))
                if (_queue.Writer.TryWrite(item)) return;
        }
        catch (OperationCanceledException)
        {
        }
        _dropping = true;
        _stats.Drop();
    }

    /// <summary>The last stderr lines, oldest first; cleared when read so each exit reports its own.</summary>
    public string? TakeErrorTail()
    {
        lock (_errTail)
        {
            if (_errTail.Count == 0) return null;
            var text = string.Join('\n', _errTail);
            _errTail.Clear();
            return text;
        }
    }

    /// <summary>Empties the instance's files and their rotated ones (pbm flush); returns how many.</summary>
    public int Truncate()
    {
        var count = 0;
        foreach (var f in new[] { _out, _err, _combined }.Distinct())
        {
            if (f is null) continue;
            f.Truncate();
            count++;
        }
        return count;
    }

    private async Task WriteLoopAsync()
    {
        var formatter = new LineFormatter(_options, App, Index);
        var retryAt = DateTime.MinValue;
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var item))
            {
                if (retryAt > DateTime.MinValue)
                {
                    if (DateTime.UtcNow < retryAt)
                    {
                        _stats.Drop();
                        continue;
                    }
                    retryAt = DateTime.MinValue;
                }
                var file = item.IsError ? _err : _out;
                if (file is null && _combined is null) continue;
                try
                {
                    var bytes = formatter.Format(item.IsError, item.At, item.Line);
                    file?.Write(bytes);
                    _combined?.Write(bytes);
                    if (_stats.Error is not null) _stats.Recovered();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _stats.Drop();
                    file?.Reset();
                    _combined?.Reset();
                    retryAt = DateTime.UtcNow + _options.RetryOpen;
                    var message = $"cannot write {(file ?? _combined)!.Path}: {e.Message}";
                    if (_stats.Error != message) _onError(message);
                    _stats.Failed(message);
                }
            }
            _out?.Flush();
            _err?.Flush();
            _combined?.Flush();
        }
        foreach (var f in new[] { _out, _err, _combined }.Distinct())
        {
            if (f is null) continue;
            if (_hub.Release(f)) f.Dispose();
            else f.Flush();
        }
    }

    public void Dispose()
    {
        _hub.Unregister(this);
        _queue.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(2));
    }

    private readonly record struct Item(bool IsError, DateTimeOffset At, string Line);
}
