using Akka.Actor;
using Akka.Event;

namespace Pbm.Runtime.Metrics;

/// <summary>
/// Samples /proc every pbm.metrics.interval into the <see cref="MetricsBoard"/>, then tells the event stream
/// (<see cref="Sampled"/>) so workers with a --max-memory limit check it at every sample. Strategy: none (no children);
/// a failed sample is logged and the next one tries again.
/// </summary>
internal sealed class MetricsSampler : ReceiveActor, IWithTimers
{
    private readonly MetricsBoard _board;
    private readonly string _node;
    private readonly TimeSpan _interval;
    private readonly ProcSampler _sampler = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public MetricsSampler(MetricsBoard board, string node, TimeSpan interval)
    {
        _board = board;
        _node = node;
        _interval = interval;
        Receive<Tick>(_ => Sample());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MetricsBoard board, string node, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new MetricsSampler(board, node, interval));

    protected override void PreStart()
    {
        Sample();
        Timers.StartPeriodicTimer("sample", Tick.Instance, _interval);
    }

    private void Sample()
    {
        try
        {
            var watched = _board.Watched();
            var trees = _sampler.SampleTrees(watched);
            _board.Publish(trees, _sampler.SampleHost(_node));
            if (watched.Count > 0) Context.System.EventStream.Publish(Sampled.Instance);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            _log.Warning("metrics sample failed: {0}", e.Message);
        }
    }

    /// <summary>A new sample is on the board.</summary>
    public sealed record Sampled
    {
        public static readonly Sampled Instance = new();
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}
