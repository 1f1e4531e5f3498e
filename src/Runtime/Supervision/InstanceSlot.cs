using Akka.Actor;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Supervision;

/// <summary>What an AppSupervisor knows of one instance, worker or not (an errored instance has none).</summary>
internal sealed class InstanceSlot(int index)
{
    public int Index { get; } = index;
    public IActorRef? Worker { get; set; }
    public string WorkerId { get; set; } = "";
    public int? PrivatePort { get; set; }
    public int Version { get; set; }
    public string Status { get; set; } = InstanceStatus.Launching;
    public int? Pid { get; set; }
    /// <summary>
    /// The last pid whose exit the strategy has decided on. A failure reaches the supervisor as a system message,
    /// ahead of the worker's ordinary updates still queued, so an "online" sent by a process that then died at once
    /// can arrive after its exit was handled; an update naming this pid is stale and ignored.
    /// </summary>
    public int? ExitedPid { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? NextStartAt { get; set; }
    public int Restarts { get; set; }
    public int Unstable { get; set; }
    public ExitInfo? LastExit { get; set; }
    public string? Reason { get; set; }
    /// <summary>The instance ended on its own (exit with autorestart off or a stop exit code, or errored), not by pbm stop.</summary>
    public bool Finished { get; set; }
    /// <summary>The last lifecycle events, oldest first (a ring of pbm.logs.events).</summary>
    public Queue<InstanceEvent> Events { get; } = new();

    public void Record(string text, int keep)
    {
        if (keep <= 0) return;
        Events.Enqueue(new InstanceEvent(DateTimeOffset.UtcNow, text));
        while (Events.Count > keep) Events.Dequeue();
    }

    /// <summary>The instance as `pbm list` shows it, with its metrics and log drops from the node's boards.</summary>
    public InstanceInfo Info(AppSpec spec, string node, Metrics.MetricsBoard metrics, Logs.LogHub logs)
    {
        var running = Status is InstanceStatus.Online or InstanceStatus.Unhealthy or InstanceStatus.Stopping;
        var tree = running ? metrics.Tree(Pid) : null;
        var logStats = logs.PeekStats(spec.Name, Index);
        return new InstanceInfo
        {
            Id = $"{spec.Name}:{Index}",
            App = spec.Name,
            Index = Index,
            PmId = spec.InstanceIds is { } ids && ids.TryGetValue(Index, out var pmId) ? pmId : null,
            Host = node,
            Status = Status,
            Pid = Pid,
            StartedAt = Status is InstanceStatus.Online or InstanceStatus.Unhealthy or InstanceStatus.Stopping or InstanceStatus.Launching ? StartedAt : null,
            Restarts = Restarts,
            UnstableRestarts = Unstable,
            LastExit = LastExit,
            Reason = Reason,
            NextStartAt = Status == InstanceStatus.WaitingRestart ? NextStartAt : null,
            Version = Version,
            PrivatePort = PrivatePort,
            Cpu = tree is { } t ? Math.Round(t.Cpu, 1) : null,
            Memory = tree?.Rss,
            Processes = tree?.Processes,
            LogDropped = logStats?.Dropped ?? 0,
            LogError = logStats?.Error,
            Events = Events.ToList(),
        };
    }
}
