using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// This host's gateway: one listener per public port, each app a route on it. Host agents add a route when
/// an app with --port is applied; process workers add their instance once it is ready and remove it before
/// it is stopped (then wait for its in-flight requests), or as soon as it exits.
/// In a cluster the <see cref="GatewayDirectory"/> adds what the other hosts announce: routes of apps this host
/// runs no instance of (so every host serves every app's public port) and the other hosts' ready instances,
/// which join this host's own in one round-robin rotation.
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
    /// <summary>Apps routed because this host's agent asked (it runs, or may run, instances of them).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _local = new(StringComparer.Ordinal);
    /// <summary>Apps routed only because other hosts announced them, and why a port could not be opened for one.</summary>
    private readonly Dictionary<string, RouteSpec> _remote = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _remoteErrors = new(StringComparer.Ordinal);
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

    public GatewaySettings Settings => settings;

    /// <summary>Requests and latencies per app, recorded by every listener of this host (GET /metrics).</summary>
    public Metrics.GatewayMetrics Metrics { get; } = new();

    /// <summary>This host's routes or its own ready instances changed (the cluster's directory announces them).</summary>
    public event Action? LocalChanged;

    /// <summary>In a cluster: waits until the other hosts' gateways no longer send requests to a destination of this host.</summary>
    internal Func<Destination, TimeSpan, Task>? ClusterDrain { get; set; }

    /// <summary>This host's own instance listening on <paramref name="port"/>, where this host reaches it.</summary>
    public Destination LocalDestination(string instanceId, int port) => new(instanceId, port, settings.InstanceAddress);

    /// <summary>Adds or updates an app's route on a public port, starting the port's listener if needed.</summary>
    /// <exception cref="IOException">The port cannot be bound (in use, no permission).</exception>
    public async Task EnsureRouteAsync(string app, int port, string? path, string? host, bool sticky)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            await EnsureLockedAsync(new RouteSpec(app, port, Prefix(path), host, sticky)).ConfigureAwait(false);
            _local[app] = 0;
        }
        finally
        {
            _lock.Release();
        }
        LocalChanged?.Invoke();
    }

    private static string Prefix(string? path) => string.IsNullOrEmpty(path) ? "/" : path.StartsWith('/') ? path : "/" + path;

    private async Task EnsureLockedAsync(RouteSpec spec)
    {
        var (app, port, prefix, host, sticky) = spec;
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

    /// <summary>This host no longer runs the app; its route stays while other hosts announce it.</summary>
    public async Task RemoveRouteAsync(string app)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            _local.TryRemove(app, out _);
            if (_remote.TryGetValue(app, out var spec))
            {
                // Still served elsewhere: keep the port open, with the other hosts' instances only.
                if (_routes.TryGetValue(app, out var r))
                    foreach (var d in r.Route.Destinations.Where(d => !d.IsRemote))
                    {
                        r.Route.Remove(d);
                        d.Retire();
                    }
                await TryEnsureRemoteAsync(spec).ConfigureAwait(false);
            }
            else if (_routes.TryRemove(app, out _))
            {
                await RefreshAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lock.Release();
        }
        LocalChanged?.Invoke();
    }

    /// <summary>
    /// The routes other hosts announce. Those of apps this host does not route itself are opened (a port that cannot be
    /// bound is logged, not fatal: this host then simply does not serve that app); remote-only routes no longer
    /// announced are closed.
    /// </summary>
    internal async Task SetRemoteRoutesAsync(IReadOnlyCollection<RouteSpec> routes)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            _remote.Clear();
            foreach (var r in routes) _remote.TryAdd(r.App, r);
            var stale = _routes.Keys.Where(app => !_local.ContainsKey(app) && !_remote.ContainsKey(app)).ToList();
            foreach (var app in stale)
            {
                _routes.TryRemove(app, out _);
                _remoteErrors.Remove(app);
            }
            if (stale.Count > 0) await RefreshAsync().ConfigureAwait(false);
            foreach (var spec in _remote.Values.Where(s => !_local.ContainsKey(s.App))) await TryEnsureRemoteAsync(spec).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task TryEnsureRemoteAsync(RouteSpec spec)
    {
        try
        {
            await EnsureLockedAsync(spec).ConfigureAwait(false);
            if (_remoteErrors.Remove(spec.App))
                logger.LogInformation("gateway now routes {App} (run on other hosts) on port {Port}", spec.App, spec.Port);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            if (_remoteErrors.TryGetValue(spec.App, out var before) && before == e.Message) return;
            _remoteErrors[spec.App] = e.Message;
            logger.LogWarning("gateway cannot route {App}, which other hosts run: {Error}", spec.App, e.Message);
        }
    }

    /// <summary>
    /// The other hosts' ready instances, by app (synchronous: a request after this returns never picks a removed one).
    /// </summary>
    /// <returns>The remote destinations taken out of rotation (the directory waits for their requests to finish).</returns>
    internal List<Destination> SetRemoteDestinations(IReadOnlyDictionary<string, List<Destination>> byApp)
    {
        var removed = new List<Destination>();
        foreach (var (app, (_, route)) in _routes)
            removed.AddRange(route.SetRemote(byApp.TryGetValue(app, out var list) ? list : []));
        foreach (var d in removed) d.Retire();
        return removed;
    }

    /// <summary>What this host announces to the others: the apps it routes itself, with its own ready instances.</summary>
    internal List<(RouteSpec Spec, List<Destination> Ready)> LocalRoutes() =>
        _routes.Where(r => IsLocal(r.Key))
            .Select(r => (new RouteSpec(r.Key, r.Value.Port, r.Value.Route.PathPrefix, r.Value.Route.Host, r.Value.Route.Sticky),
                r.Value.Route.Destinations.Where(d => !d.IsRemote).ToList()))
            .ToList();

    private bool IsLocal(string app) => _local.ContainsKey(app);

    public void Add(string app, Destination destination)
    {
        if (!_routes.TryGetValue(app, out var r)) return;
        r.Route.Add(destination);
        LocalChanged?.Invoke();
    }

    /// <summary>Takes an instance out of rotation at once; requests it is serving go on.</summary>
    public void Remove(string app, Destination destination)
    {
        var removed = _routes.TryGetValue(app, out var r) && r.Route.Remove(destination);
        destination.Retire();
        if (removed && !destination.IsRemote) LocalChanged?.Invoke();
    }

    /// <summary>The ready instances of <paramref name="app"/> in rotation (this host's and, in a cluster, the other hosts').</summary>
    public IReadOnlyList<Destination> DestinationsOf(string app) => _routes.TryGetValue(app, out var r) ? r.Route.Destinations : [];

    /// <summary>Waits until <paramref name="destination"/> serves no request of this host's gateway, or <paramref name="timeout"/>.</summary>
    public static async Task DrainAsync(Destination destination, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (destination.InFlight > 0 && DateTime.UtcNow < deadline) await Task.Delay(10).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until no gateway of the cluster sends <paramref name="destination"/> (removed from rotation just before)
    /// a request any more: this host's, and every other reachable host's, or <paramref name="timeout"/>.
    /// </summary>
    public async Task DrainEverywhereAsync(Destination destination, TimeSpan timeout)
    {
        var started = DateTime.UtcNow;
        var cluster = ClusterDrain?.Invoke(destination, timeout) ?? Task.CompletedTask;
        await DrainAsync(destination, timeout).ConfigureAwait(false);
        var left = timeout - (DateTime.UtcNow - started);
        if (left > TimeSpan.Zero) await Task.WhenAny(cluster, Task.Delay(left)).ConfigureAwait(false);
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

/// <summary>An app's rule on a public port, as hosts announce it to each other.</summary>
public sealed record RouteSpec(string App, int Port, string PathPrefix, string? Host, bool Sticky);
