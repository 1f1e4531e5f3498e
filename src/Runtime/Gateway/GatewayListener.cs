using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// One public port: accepts connections and serves each with a <see cref="ClientConnection"/>, which matches every
/// request to an app's route, sends it round-robin (or sticky) to a ready instance, and retries it on another one
/// when it failed before any response byte. A sweep every second closes what waits past its deadline (idle
/// keep-alive, slow request heads, instances that do not answer within the request timeout).
/// </summary>
internal sealed class GatewayListener : IAsyncDisposable
{
    internal const string StickyCookie = "pbm-sticky";
    internal static ReadOnlySpan<byte> StickyCookieBytes => "pbm-sticky"u8;

    private readonly Socket _socket;
    private readonly Metrics.GatewayMetrics _metrics;
    private readonly ILogger? _log;
    private long _lastUnexpected;
    private readonly ConcurrentDictionary<ClientConnection, byte> _connections = new(ReferenceEqualityComparer.Instance);
    private readonly Timer _sweep;
    private readonly Task _accepting;
    private GatewayRoute[] _routes = [];

    private GatewayListener(Socket socket, int port, GatewaySettings settings, Metrics.GatewayMetrics metrics, ILogger? log)
    {
        _socket = socket;
        _log = log;
        _metrics = metrics;
        Settings = settings;
        Port = port;
        _sweep = new Timer(_ => Sweep(), null, 1000, 1000);
        _accepting = AcceptAsync();
    }

    public int Port { get; }
    public GatewaySettings Settings { get; }
    public IReadOnlyList<GatewayRoute> Routes => Volatile.Read(ref _routes);
    public bool Closing { get; private set; }

    /// <exception cref="SocketException">The port cannot be bound.</exception>
    public static Task<GatewayListener> StartAsync(int port, GatewaySettings settings, Metrics.GatewayMetrics metrics, ILogger? log = null)
    {
        var address = IPAddress.Parse(settings.Bind);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return Task.FromResult(new GatewayListener(socket, port, settings, metrics, log));
    }

    public void SetRoutes(IEnumerable<GatewayRoute> routes)
    {
        var list = routes
            .OrderByDescending(r => r.Host is not null)
            .ThenByDescending(r => r.PathPrefix.Length)
            .ToArray();
        foreach (var r in list) r.Stats ??= _metrics.For(r.App);
        Volatile.Write(ref _routes, list);
    }

    /// <summary>The route of a parsed request (host rules first, then the longest path prefix), or null.</summary>
    internal GatewayRoute? Match(byte[] head, RequestHead req)
    {
        var routes = Volatile.Read(ref _routes);
        if (routes.Length == 1 && routes[0].MatchesEverything) return routes[0];
        var host = req.HostStart >= 0 ? Http.HostName(head.AsSpan(req.HostStart, req.HostEnd - req.HostStart)) : default;
        var path = Http.RoutingPath(head.AsSpan(req.TargetStart, req.TargetEnd - req.TargetStart), out var normalized);
        if (normalized is not null) path = Encoding.UTF8.GetBytes(normalized);
        foreach (var r in routes)
            if (r.Matches(host, path)) return r;
        return null;
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (Closing)
            {
                return;
            }
            catch (SocketException)
            {
                // Out of descriptors, a connection reset while queued...: go on accepting.
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }
            client.NoDelay = true;
            var connection = new ClientConnection(this, client);
            _connections[connection] = 0;
            if (Closing)
            {
                connection.Abort();
            }
            _ = connection.RunAsync();
        }
    }

    internal void Forget(ClientConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>A connection failed on something other than the network (at most one report a second).</summary>
    internal void Unexpected(Exception e)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastUnexpected);
        if (now - last < 1000 || Interlocked.CompareExchange(ref _lastUnexpected, now, last) != last) return;
        _log?.LogWarning(e, "gateway port {Port}: a connection failed unexpectedly", Port);
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var c in _connections.Keys) c.CheckDeadline(now);
    }

    /// <summary>Stops accepting, closes idle connections, lets requests in progress finish (up to 5 s), closes the rest.</summary>
    public async ValueTask DisposeAsync()
    {
        Closing = true;
        _socket.Dispose();
        await _accepting.ConfigureAwait(false);
        var deadline = Environment.TickCount64 + 5000;
        while (!_connections.IsEmpty && Environment.TickCount64 < deadline)
        {
            foreach (var c in _connections.Keys)
                if (c.Idle) c.Abort();
            await Task.Delay(20).ConfigureAwait(false);
        }
        foreach (var c in _connections.Keys) c.Abort();
        await _sweep.DisposeAsync().ConfigureAwait(false);
    }
}
