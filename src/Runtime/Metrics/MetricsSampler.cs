using Akka.Actor;
using Akka.Event;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Metrics;

/// <summary>
/// Samples /proc every pbm.metrics.interval into the <see cref="MetricsBoard"/>, then tells the event stream
/// (<see cref="Sampled"/>) so workers with a --max-memory limit check it at every sample. While instances are tracked
/// by walking /proc (no cgroups), the same scan updates their record of descendants (<see cref="TreeTracking.Observe"/>).
/// Strategy: none (no children); a failed sample is logged and the next one tries again.
/// </summary>
internal sealed class MetricsSampler : ReceiveActor, IWithTimers
{
    private readonly MetricsBoard _board;
    private readonly TreeTracking _trees;
    private readonly List<ProcStat> _everyProcess = [];
    private readonly string _node;
    private readonly TimeSpan _interval;
    private readonly ProcSampler _sampler = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public MetricsSampler(MetricsBoard board, TreeTracking trees, string node, TimeSpan interval)
    {
        _board = board;
        _trees = trees;
        _node = node;
        _interval = interval;
        Receive<Tick>(_ => Sample());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(MetricsBoard board, TreeTracking trees, string node, TimeSpan interval) =>
        Akka.Actor.Props.Create(() => new MetricsSampler(board, trees, node, interval));

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
            var walking = _trees.Walking;
            var trees = _sampler.SampleTrees(watched, walking ? _everyProcess : null);
            if (walking && _everyProcess.Count > 0) _trees.Observe(new ProcTable(_everyProcess));
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
