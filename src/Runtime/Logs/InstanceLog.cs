using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Logs;

/// <summary>
/// Where one instance's output goes: PBM_HOME/logs/APP-N-out.log and -err.log, each line timestamped.
/// Lines pass through a bounded queue to one writer task, so a slow disk never blocks the app's pipe:
/// when the queue is full lines are counted as dropped instead. The last stderr lines are kept in memory
/// to explain a crash in <c>pbm show</c>.
/// </summary>
internal sealed class InstanceLog : ILineSink, IDisposable
{
    private const int TailSize = 15;
    private readonly Channel<(bool IsError, DateTimeOffset At, string Line)> _queue =
        Channel.CreateBounded<(bool, DateTimeOffset, string)>(new BoundedChannelOptions(65536)
        {
            FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true,
        });
    private readonly Queue<string> _errTail = new();
    private readonly string _outPath;
    private readonly string _errPath;
    private readonly Task _writer;
    private long _dropped;

    public InstanceLog(string logDir, string app, int index)
    {
        _outPath = Path.Combine(logDir, $"{app}-{index}-out.log");
        _errPath = Path.Combine(logDir, $"{app}-{index}-err.log");
        _writer = Task.Run(WriteLoopAsync);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Line(bool isError, string line)
    {
        if (isError)
        {
            lock (_errTail)
            {
                _errTail.Enqueue(line.Length > 500 ? line[..500] : line);
                while (_errTail.Count > TailSize) _errTail.Dequeue();
            }
        }
        if (!_queue.Writer.TryWrite((isError, DateTimeOffset.Now, line))) Interlocked.Increment(ref _dropped);
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

    private async Task WriteLoopAsync()
    {
        StreamWriter? outWriter = null, errWriter = null;
        var sb = new StringBuilder();
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    try
                    {
                        var writer = item.IsError ? errWriter ??= Open(_errPath) : outWriter ??= Open(_outPath);
                        sb.Clear();
                        sb.Append(item.At.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture)).Append(' ').Append(item.Line);
                        writer.WriteLine(sb);
                    }
                    catch (IOException)
                    {
                        Interlocked.Increment(ref _dropped);
                    }
                    catch (UnauthorizedAccessException)
                    {
                        Interlocked.Increment(ref _dropped);
                    }
                }
                outWriter?.Flush();
                errWriter?.Flush();
            }
        }
        finally
        {
            outWriter?.Dispose();
            errWriter?.Dispose();
        }
    }

    private static StreamWriter Open(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096), new UTF8Encoding(false));

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(2));
    }
}
