namespace Pbm.Runtime.Gateway;

/// <summary>
/// One ready instance behind the gateway, with a count of the requests this gateway is sending it (for draining).
/// <paramref name="address"/> is where it listens; <paramref name="node"/> is the host that runs it when that is
/// another host of the cluster (null: this host's own instance).
/// </summary>
public sealed class Destination(string instanceId, int port, string address = "127.0.0.1", string? node = null)
{
    private int _inFlight;

    public string InstanceId { get; } = instanceId;
    public int Port { get; } = port;
    public string Address { get; } = address;
    /// <summary>The host running it, when another host runs it; null for this host's own instances.</summary>
    public string? Node { get; } = node;
    public bool IsRemote => Node is not null;
    public string Prefix { get; } = $"http://{(address.Contains(':') && !address.StartsWith('[') ? "[" + address + "]" : address)}:{port}/";
    public int InFlight => Volatile.Read(ref _inFlight);

    internal void Enter() => Interlocked.Increment(ref _inFlight);
    internal void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>The same instance at the same place (a new announcement of a remote one keeps the object, and its count).</summary>
    internal bool SameAs(Destination other) =>
        InstanceId == other.InstanceId && Port == other.Port && Address == other.Address && Node == other.Node;

    public override string ToString() => Node is null ? $"{InstanceId}@{Address}:{Port}" : $"{InstanceId}@{Node} ({Address}:{Port})";
}
