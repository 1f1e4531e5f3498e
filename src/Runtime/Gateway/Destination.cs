namespace Pbm.Runtime.Gateway;

/// <summary>One ready instance behind the gateway, with a count of the requests it is serving (for draining).</summary>
public sealed class Destination(string instanceId, int port)
{
    private int _inFlight;

    public string InstanceId { get; } = instanceId;
    public int Port { get; } = port;
    public string Prefix { get; } = $"http://127.0.0.1:{port}/";
    public int InFlight => Volatile.Read(ref _inFlight);

    internal void Enter() => Interlocked.Increment(ref _inFlight);
    internal void Exit() => Interlocked.Decrement(ref _inFlight);
}
