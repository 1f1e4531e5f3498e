using System.Net.Sockets;
using System.Text;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// One ready instance behind the gateway: a count of the requests it is serving (for draining) and its pool of
/// idle keep-alive connections. Once out of rotation (<see cref="Retire"/>) its idle connections are closed and
/// no connection goes back to the pool, so a stopping instance is left with none of the gateway's.
/// <c>address</c> is where it listens (an IP); <c>node</c> is the host that runs it when that is another host of
/// the cluster (null: this host's own instance).
/// </summary>
public sealed class Destination
{
    private const int MaxIdle = 256;
    private readonly BackendConnection?[] _idle = new BackendConnection?[MaxIdle];
    private int _idleCount;
    private int _inFlight;
    private volatile bool _retired;

    public Destination(string instanceId, int port, string address = "127.0.0.1", string? node = null)
    {
        InstanceId = instanceId;
        InstanceIdBytes = Encoding.UTF8.GetBytes(instanceId);
        Port = port;
        Address = address;
        Node = node;
        EndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(address), port);
        HostLine = Encoding.ASCII.GetBytes($"Host: {EndPoint}\r\n");
        StickyCookieLine = Encoding.ASCII.GetBytes($"Set-Cookie: {GatewayListener.StickyCookie}={instanceId}; path=/; samesite=lax; httponly\r\n");
    }

    public string InstanceId { get; }
    public int Port { get; }
    public string Address { get; }
    /// <summary>The host running it, when another host runs it; null for this host's own instances.</summary>
    public string? Node { get; }
    public bool IsRemote => Node is not null;
    public string Prefix => $"http://{EndPoint}/";
    public int InFlight => Volatile.Read(ref _inFlight);

    internal byte[] InstanceIdBytes { get; }
    internal System.Net.IPEndPoint EndPoint { get; }

    /// <summary>"Host: 127.0.0.1:PORT\r\n", the Host header requests to this instance carry.</summary>
    internal byte[] HostLine { get; }
    internal byte[] StickyCookieLine { get; }

    internal void Enter() => Interlocked.Increment(ref _inFlight);
    internal void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>The same instance at the same place (a new announcement of a remote one keeps the object, and its count).</summary>
    internal bool SameAs(Destination other) =>
        InstanceId == other.InstanceId && Port == other.Port && Address == other.Address && Node == other.Node;

    public override string ToString() => Node is null ? $"{InstanceId}@{Address}:{Port}" : $"{InstanceId}@{Node} ({Address}:{Port})";

    /// <summary>The most recently used idle connection, or null.</summary>
    internal BackendConnection? Rent()
    {
        List<BackendConnection>? stale = null;
        lock (_idle)
        {
            if (_idleCount == 0) return null;
            var c = _idle[--_idleCount]!;
            _idle[_idleCount] = null;
            if (Environment.TickCount64 - c.IdleSince <= PbmGateway.IdleConnectionMs) return c;
            // The newest is too old: so are all the others.
            for (var i = 0; i < _idleCount; i++) (stale ??= []).Add(_idle[i]!);
            Array.Clear(_idle, 0, _idleCount);
            _idleCount = 0;
            (stale ??= []).Add(c);
        }
        stale.ForEach(s => s.Dispose());
        return null;
    }

    internal void Return(BackendConnection connection)
    {
        if (!_retired)
        {
            connection.IdleSince = Environment.TickCount64;
            lock (_idle)
            {
                if (_idleCount < MaxIdle && !_retired)
                {
                    _idle[_idleCount++] = connection;
                    return;
                }
            }
        }
        connection.Dispose();
    }

    /// <summary>Closes idle connections unused for <paramref name="idleMs"/> (the instance may have closed them already).</summary>
    internal void Trim(long idleMs)
    {
        var cutoff = Environment.TickCount64 - idleMs;
        List<BackendConnection>? stale = null;
        lock (_idle)
        {
            // Oldest first: the stack's bottom.
            var keep = 0;
            for (var i = 0; i < _idleCount; i++)
            {
                var c = _idle[i]!;
                if (c.IdleSince < cutoff) (stale ??= []).Add(c);
                else _idle[keep++] = c;
            }
            for (var i = keep; i < _idleCount; i++) _idle[i] = null;
            _idleCount = keep;
        }
        stale?.ForEach(c => c.Dispose());
    }

    /// <summary>Out of rotation: close the idle connections, and every busy one once its request is done.</summary>
    internal void Retire()
    {
        _retired = true;
        Trim(-1);
    }
}

/// <summary>A keep-alive HTTP/1.1 connection from the gateway to an instance, with its read buffer.</summary>
internal sealed class BackendConnection(Socket socket, Destination destination) : IDisposable
{
    public Socket Socket { get; } = socket;
    public Destination Destination { get; } = destination;
    public byte[] Buffer = new byte[16 * 1024];
    public long IdleSince;
    /// <summary>Requests this connection carried before the current one: 0 for a fresh connection.</summary>
    public int Uses;

    public void Dispose()
    {
        try
        {
            Socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
