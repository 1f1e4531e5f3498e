using System.Threading.Channels;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Logs;

/// <summary>
/// One follower of the log bus (pbm logs --follow): the lines of one app (or instance, or all) in a bounded
/// queue. A follower that falls behind loses its oldest lines, never slows the apps.
/// </summary>
internal sealed class LogSubscription : IDisposable
{
    private readonly LogHub _hub;
    private readonly Channel<LogEntry> _lines;

    public LogSubscription(LogHub hub, string? app, int? index, string? stream, int capacity)
    {
        _hub = hub;
        App = app;
        Index = index;
        Stream = stream;
        _lines = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        });
    }

    public string? App { get; }
    public int? Index { get; }
    public string? Stream { get; }
    public ChannelReader<LogEntry> Lines => _lines.Reader;

    public bool Wants(string app, int index, string stream) =>
        (App is null || App == app) && (Index is null || Index == index) && (Stream is null || Stream == stream);

    internal void Offer(LogEntry entry) => _lines.Writer.TryWrite(entry);

    public void Dispose()
    {
        _hub.Unsubscribe(this);
        _lines.Writer.TryComplete();
    }
}
