using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// This host's gateway: one listener per public port, each app a route on it. Host agents add a route when
/// an app with --port is applied; process workers add their instance once it is ready and remove it before
/// it is stopped (then wait for its in-flight requests), or as soon as it exits.
/// </summary>
public sealed class PbmGateway : IAsyncDisposable
{
    /// <summary>
    /// Idle keep-alive connections to instances are closed after this long unused: below Node's default
    /// keepAliveTimeout (5 s), so the gateway does not send a request on a connection the app is closing.
    /// </summary>
    internal const long IdleConnectionMs = 4000;

    private readonly Dictionary<int, GatewayListener> _listeners = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Port, GatewayRoute Route)> _routes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly GatewaySettings settings;
    private readonly ILogger logger;
    private readonly Timer _trim;

    public PbmGateway(GatewaySettings settings, ILogger logger)
    {
        this.settings = settings;
        this.logger = logger;
        _trim = new Timer(_ => Trim(), null, 1000, 1000);
    }

    private void Trim()
    {
        foreach (var (_, route) in _routes.Values)
            foreach (var d in route.Destinations)
                d.Trim(IdleConnectionMs);
    }

    /// <summary>Requests and latencies per app, recorded by every listener of this host (GET /metrics).</summary>
    public Metrics.GatewayMetrics Metrics { get; } = new();

    /// <summary>Adds or updates an app's route on a public port, starting the port's listener if needed.</summary>
    /// <exception cref="IOException">The port cannot be bound (in use, no permission).</exception>
    public async Task EnsureRouteAsync(string app, int port, string? path, string? host, bool sticky)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            var prefix = string.IsNullOrEmpty(path) ? "/" : path.StartsWith('/') ? path : "/" + path;
            if (_routes.TryGetValue(app, out var existing) && existing.Port == port && existing.Route.PathPrefix == prefix &&
                existing.Route.Host == host && existing.Route.Sticky == sticky)
                return;
            var conflict = _routes.FirstOrDefault(r => r.Key != app && r.Value.Port == port && r.Value.Route.PathPrefix == prefix && r.Value.Route.Host == host);
            if (conflict.Key is not null)
                throw new InvalidOperationException($"port {port} path {prefix} is already routed to {conflict.Key} (use --route to split it)");
            if (!_listeners.TryGetValue(port, out var listener))
            {
                try
                {
                    listener = await GatewayListener.StartAsync(port, settings, Metrics, logger).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    throw new IOException($"the gateway cannot listen on port {port}: {e.Message}", e);
                }
                _listeners[port] = listener;
                logger.LogInformation("gateway listening on {Bind}:{Port}", settings.Bind, port);
            }
            var route = new GatewayRoute(app, prefix, host, sticky);
            if (existing.Route is not null)
                foreach (var d in existing.Route.Destinations) route.Add(d);
            _routes[app] = (port, route);
            await RefreshAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task RemoveRouteAsync(string app)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_routes.TryRemove(app, out _)) await RefreshAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Add(string app, Destination destination)
    {
        if (_routes.TryGetValue(app, out var r)) r.Route.Add(destination);
    }

    /// <summary>Takes an instance out of rotation at once; requests it is serving go on.</summary>
    public void Remove(string app, Destination destination)
    {
        if (_routes.TryGetValue(app, out var r)) r.Route.Remove(destination);
        destination.Retire();
    }

    /// <summary>The ready instances of <paramref name="app"/> in rotation.</summary>
    public IReadOnlyList<Destination> DestinationsOf(string app) => _routes.TryGetValue(app, out var r) ? r.Route.Destinations : [];

    /// <summary>Waits until <paramref name="destination"/> serves no request, or <paramref name="timeout"/>.</summary>
    public static async Task DrainAsync(Destination destination, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (destination.InFlight > 0 && DateTime.UtcNow < deadline) await Task.Delay(10).ConfigureAwait(false);
    }

    private async Task RefreshAsync()
    {
        foreach (var (port, listener) in _listeners.ToList())
        {
            var routes = _routes.Values.Where(r => r.Port == port).Select(r => r.Route).ToList();
            if (routes.Count > 0)
            {
                listener.SetRoutes(routes);
                continue;
            }
            _listeners.Remove(port);
            await listener.DisposeAsync().ConfigureAwait(false);
            logger.LogInformation("gateway closed port {Port}", port);
        }
        foreach (var (port, listener) in _listeners) listener.SetRoutes(_routes.Values.Where(r => r.Port == port).Select(r => r.Route));
    }

    public async ValueTask DisposeAsync()
    {
        await _trim.DisposeAsync().ConfigureAwait(false);
        foreach (var l in _listeners.Values) await l.DisposeAsync().ConfigureAwait(false);
        _listeners.Clear();
    }
}
