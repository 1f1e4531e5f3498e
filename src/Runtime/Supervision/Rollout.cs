using Akka.Actor;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Supervision;

/// <summary>A rolling replacement in progress inside one AppSupervisor.</summary>
internal sealed class Rollout(AppSpec spec, IEnumerable<int> indices, int parallel, IActorRef replyTo)
{
    public AppSpec Spec { get; } = spec;
    public Queue<int> Pending { get; } = new(indices);
    public int Total { get; } = indices.Count();
    public int Parallel { get; } = Math.Max(1, parallel);
    public IActorRef ReplyTo { get; } = replyTo;
    /// <summary>The new workers of the current batch, by index, with their ids.</summary>
    public Dictionary<int, (IActorRef Worker, string Id, bool Stable)> Surge { get; } = [];
    /// <summary>The latest report of each new worker, copied into its slot when it is swapped in.</summary>
    public Dictionary<IActorRef, Messages.WorkerProtocol.InstanceUpdated> Last { get; } = [];
    public int Replaced { get; set; }

    public int? IndexOf(string workerId) => Surge.FirstOrDefault(s => s.Value.Id == workerId) is { Value.Worker: not null } kv ? kv.Key : null;

    public int? IndexOf(IActorRef worker) => Surge.FirstOrDefault(s => Equals(s.Value.Worker, worker)) is { Value.Worker: not null } kv ? kv.Key : null;
}
