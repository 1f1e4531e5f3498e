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
    private readonly RotatingFile _out;
    private readonly RotatingFile _err;
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
        _out = new RotatingFile(hub.OutPath(app, index), options.MaxBytes, options.MaxFiles);
        _err = new RotatingFile(hub.ErrPath(app, index), options.MaxBytes, options.MaxFiles);
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(options.QueueSize)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true,
        });
        hub.Register(this);
        _writer = Task.Run(WriteLoopAsync);
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

    /// <summary>Empties both files and their rotated ones (pbm flush); returns 2.</summary>
    public int Truncate()
    {
        _out.Truncate();
        _err.Truncate();
        return 2;
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
                try
                {
                    file.Write(formatter.Format(item.IsError, item.At, item.Line));
                    if (_stats.Error is not null) _stats.Recovered();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _stats.Drop();
                    file.Reset();
                    retryAt = DateTime.UtcNow + _options.RetryOpen;
                    var message = $"cannot write {file.Path}: {e.Message}";
                    if (_stats.Error != message) _onError(message);
                    _stats.Failed(message);
                }
            }
            _out.Flush();
            _err.Flush();
        }
        _out.Dispose();
        _err.Dispose();
    }

    public void Dispose()
    {
        _hub.Unregister(this);
        _queue.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(2));
    }

    private readonly record struct Item(bool IsError, DateTimeOffset At, string Line);
}
