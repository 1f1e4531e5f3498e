using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// One public port: a Kestrel server whose every request is matched to an app's route, sent round-robin (or
/// sticky) to a ready instance through YARP's forwarder (X-Forwarded-* added, WebSockets and streaming passed
/// through), and retried once on another instance when an idempotent request failed before any response byte.
/// </summary>
internal sealed class GatewayListener : IAsyncDisposable
{
    private const string StickyCookie = "pbm-sticky";
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _client;
    private readonly ForwarderRequestConfig _config;
    private readonly Metrics.GatewayMetrics _metrics;
    private GatewayRoute[] _routes = [];

    private GatewayListener(WebApplication app, HttpMessageInvoker client, ForwarderRequestConfig config, int port, Metrics.GatewayMetrics metrics)
    {
        _metrics = metrics;
        _app = app;
        _client = client;
        _config = config;
        Port = port;
    }

    public int Port { get; }
    public IReadOnlyList<GatewayRoute> Routes => Volatile.Read(ref _routes);

    public static async Task<GatewayListener> StartAsync(int port, GatewaySettings settings, Metrics.GatewayMetrics metrics)
    {
        var builder = WebApplication.CreateSlimBuilder(Hosting.PbmWebHost.Options());
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = settings.MaxBodyBytes;
            k.Listen(IPAddress.Parse(settings.Bind), port);
        });
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = settings.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        });
        var listener = new GatewayListener(app, client, new ForwarderRequestConfig { ActivityTimeout = settings.RequestTimeout }, port, metrics);
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        app.Run(context => listener.HandleAsync(context, forwarder));
        await app.StartAsync().ConfigureAwait(false);
        return listener;
    }

    public void SetRoutes(IEnumerable<GatewayRoute> routes) =>
        Volatile.Write(ref _routes, routes
            .OrderByDescending(r => r.Host is not null)
            .ThenByDescending(r => r.PathPrefix.Length)
            .ToArray());

    private async Task HandleAsync(HttpContext context, IHttpForwarder forwarder)
    {
        var route = Match(context.Request);
        if (route is null)
        {
            await Refuse(context, 404, "pbm: no app is routed here");
            return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await ForwardAsync(context, forwarder, route);
        }
        finally
        {
            _metrics.Record(route.App, context.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task ForwardAsync(HttpContext context, IHttpForwarder forwarder, GatewayRoute route)
    {
        var destination = Choose(route, context);
        if (destination is null)
        {
            await Refuse(context, 503, $"pbm: no ready instance of {route.App}");
            return;
        }
        var error = await SendAsync(context, forwarder, destination);
        if (error is ForwarderError.Request or ForwarderError.RequestTimedOut && !context.Response.HasStarted &&
            IsIdempotent(context.Request.Method) && route.Pick(except: destination) is { } other)
        {
            // The instance died or refused before answering: the client never saw a byte, so try another one.
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            await SendAsync(context, forwarder, other);
        }
    }

    private async ValueTask<ForwarderError> SendAsync(HttpContext context, IHttpForwarder forwarder, Destination destination)
    {
        destination.Enter();
        try
        {
            return await forwarder.SendAsync(context, destination.Prefix, _client, _config, HttpTransformer.Default);
        }
        finally
        {
            destination.Exit();
        }
    }

    private GatewayRoute? Match(HttpRequest request)
    {
        var host = request.Host.Host;
        var path = request.Path.Value ?? "/";
        foreach (var r in Volatile.Read(ref _routes))
            if (r.Matches(host, path)) return r;
        return null;
    }

    private static Destination? Choose(GatewayRoute route, HttpContext context)
    {
        if (!route.Sticky) return route.Pick();
        if (context.Request.Cookies.TryGetValue(StickyCookie, out var id) && route.Find(id) is { } pinned) return pinned;
        var chosen = route.Pick();
        if (chosen is not null)
            context.Response.Cookies.Append(StickyCookie, chosen.InstanceId, new CookieOptions { HttpOnly = true, Path = "/", SameSite = SameSiteMode.Lax });
        return chosen;
    }

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(message + "\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
    }
}
