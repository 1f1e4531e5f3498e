using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Metrics;

namespace Pbm.Runtime.Tests.Gateway;

/// <summary>
/// The gateway's HTTP/1.1 forwarding against real backends (Kestrel, and raw sockets for odd framing): bodies both
/// ways in every framing, streaming, keep-alive and pipelining, retries, timeouts, limits, WebSockets, sticky.
/// </summary>
public sealed class ForwarderTests : IAsyncLifetime
{
    private static readonly GatewaySettings Settings = new("127.0.0.1", TimeSpan.FromSeconds(2), 1 << 20, TimeSpan.FromSeconds(1));
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly GatewayMetrics _metrics = new();
    private GatewayListener _listener = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = FreePort();
        _listener = await GatewayListener.StartAsync(_port, Settings, _metrics);
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        foreach (var o in _owned) await o.DisposeAsync();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private GatewayRoute Route(string app, params int[] ports) => Route(app, "/", false, ports);

    private GatewayRoute Route(string app, string prefix, bool sticky, params int[] ports)
    {
        var route = new GatewayRoute(app, prefix, null, sticky);
        for (var i = 0; i < ports.Length; i++) route.Add(new Destination($"{app}:{i}", ports[i]));
        return route;
    }

    private async Task<int> KestrelAsync(Action<WebApplication> map)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = b.Build();
        map(app);
        await app.StartAsync();
        _owned.Add(app);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    /// <summary>A backend that answers every request on a connection with <paramref name="answer"/>'s bytes (and may close).</summary>
    private int Raw(Func<int, string, (string Response, bool Close)> answer)
    {
        var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var n = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket s;
                try
                {
                    s = await server.AcceptSocketAsync();
                }
                catch (Exception)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    var buffer = new byte[65536];
                    var filled = 0;
                    try
                    {
                        while (true)
                        {
                            var r = await s.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                            if (r == 0) break;
                            filled += r;
                            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
                            if (end < 0) continue;
                            var head = Encoding.ASCII.GetString(buffer, 0, end + 4);
                            filled = 0;
                            var (response, close) = answer(Interlocked.Increment(ref n), head);
                            if (response.Length > 0) await s.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None);
                            if (close) break;
                        }
                    }
                    catch (SocketException)
                    {
                    }
                    s.Dispose();
                });
            }
        });
        _owned.Add(new Stopper(server.Stop));
        return ((IPEndPoint)server.LocalEndpoint).Port;
    }

    private sealed class Stopper(Action stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            stop();
            return ValueTask.CompletedTask;
        }
    }

    private HttpClient Client(bool cookies = false) =>
        new(new SocketsHttpHandler { UseProxy = false, UseCookies = cookies, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_port}"),
            Timeout = TimeSpan.FromSeconds(10),
        };

    /// <summary>Sends raw bytes on one connection and reads until the server closes or <paramref name="until"/> is seen.</summary>
    private async Task<string> RawExchangeAsync(string request, string? until = null, Socket? socket = null)
    {
        var s = socket ?? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (socket is null) await s.ConnectAsync(IPAddress.Loopback, _port);
        await s.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        var got = new StringBuilder();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (until is null || !got.ToString().Contains(until, StringComparison.Ordinal))
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            got.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        if (socket is null) s.Dispose();
        return got.ToString();
    }

    [Fact]
    public async Task Bodies_InEveryFraming_PassBothWays_AndHeadersAreRewritten()
    {
        var port = await KestrelAsync(app => app.Map("/{**path}", async (HttpContext c) =>
        {
            using var ms = new MemoryStream();
            await c.Request.Body.CopyToAsync(ms);
            var h = c.Request.Headers;
            c.Response.Headers["X-Got"] = $"{ms.Length};{h.Host};{h["X-Forwarded-For"]};{h["X-Forwarded-Host"]};{h["X-Forwarded-Proto"]};{h.Connection}";
            await c.Response.Body.WriteAsync(ms.ToArray());
        }));
        _listener.SetRoutes([Route("web", port)]);
        using var client = Client();
        foreach (var size in new[] { 0, 10, 100_000, 1_000_000 })
        {
            var data = new byte[size];
            Random.Shared.NextBytes(data);
            // Content-Length both ways.
            using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = new ByteArrayContent(data) };
            request.Headers.Add("X-Forwarded-For", "6.6.6.6");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(data, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal($"{size};127.0.0.1:{port};127.0.0.1;127.0.0.1:{_port};http;", response.Headers.GetValues("X-Got").Single());
            // Chunked both ways (a stream of unknown length; Kestrel answers chunked when it does not know the length).
            using var chunked = new HttpRequestMessage(HttpMethod.Put, "/echo") { Content = new StreamContent(new MemoryStream(data)) };
            chunked.Headers.TransferEncodingChunked = true;
            using var response2 = await client.SendAsync(chunked);
            Assert.Equal(data, await response2.Content.ReadAsByteArrayAsync());
        }
        // A request is counted once its response went out, which the client can see a moment before the count.
        var snapshot = _metrics.For("web").Snapshot();
        for (var waited = 0; snapshot.Count < 8 && waited < 2000; waited += 20)
        {
            await Task.Delay(20);
            snapshot = _metrics.For("web").Snapshot();
        }
        Assert.Equal(8, snapshot.ByCode[200]);
        Assert.Equal(8, snapshot.Count);
    }

    [Fact]
    public async Task StreamingResponse_ArrivesPieceByPiece()
    {
        var release = new TaskCompletionSource();
        var port = await KestrelAsync(app => app.MapGet("/stream", async (HttpContext c) =>
        {
            await c.Response.WriteAsync("first\n");
            await c.Response.Body.FlushAsync();
            await release.Task;
            await c.Response.WriteAsync("second\n");
        }));
        _listener.SetRoutes([Route("web", port)]);
        using var client = Client();
        using var response = await client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("first", await reader.ReadLineAsync());
        release.SetResult();
        Assert.Equal("second", await reader.ReadLineAsync());
    }

    [Fact]
    public async Task KeepAlive_Pipelining_Head_NoContent_AndHttp10()
    {
        var port = Raw((n, head) => head.StartsWith("HEAD", StringComparison.Ordinal)
            ? ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false)
            : head.StartsWith("GET /204", StringComparison.Ordinal)
                ? ("HTTP/1.1 204 No Content\r\n\r\n", false)
                : ($"HTTP/1.1 200 OK\r\nContent-Length: {n.ToString().Length}\r\n\r\n{n}", false));
        _listener.SetRoutes([Route("web", port)]);
        var twoInOne = await RawExchangeAsync("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal(2, twoInOne.Split("HTTP/1.1 200 OK").Length - 1);
        Assert.Contains("Connection: close", twoInOne);

        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(IPAddress.Loopback, _port);
        var head = await RawExchangeAsync("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n", s);
        Assert.StartsWith("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", head);
        var noContent = await RawExchangeAsync("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n", s);
        Assert.StartsWith("HTTP/1.1 204", noContent);
        var after = await RawExchangeAsync("GET /c HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n", s);
        Assert.StartsWith("HTTP/1.1 200 OK", after);

        var old = await RawExchangeAsync("GET / HTTP/1.0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", old);
        Assert.Contains("Connection: close", old);
    }

    [Fact]
    public async Task ResponseWithoutLength_IsRelayedToTheEnd_ThenTheConnectionCloses()
    {
        var port = Raw((_, _) => ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until close", true));
        _listener.SetRoutes([Route("web", port)]);
        var got = await RawExchangeAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.EndsWith("\r\n\r\nall of this until close", got);
        Assert.Contains("Connection: close", got);
    }

    [Fact]
    public async Task Expect100Continue_IsRelayed()
    {
        var port = await KestrelAsync(app => app.MapPost("/", async (HttpContext c) =>
        {
            using var ms = new MemoryStream();
            await c.Request.Body.CopyToAsync(ms);
            return ms.Length;
        }));
        _listener.SetRoutes([Route("web", port)]);
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(IPAddress.Loopback, _port);
        var interim = await RawExchangeAsync("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", "\r\n\r\n", s);
        Assert.StartsWith("HTTP/1.1 100 Continue", interim);
        var final = await RawExchangeAsync("hello", "5", s);
        Assert.Contains("HTTP/1.1 200 OK", final);
    }

    [Fact]
    public async Task FailedConnectAndLostConnections_AreRetriedOnAnotherInstance_EvenForAPost()
    {
        var dead = FreePort();
        var served = 0;
        var port = Raw((_, _) =>
        {
            Interlocked.Increment(ref served);
            return ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
        });
        _listener.SetRoutes([Route("web", dead, port)]);
        using var client = Client();
        for (var i = 0; i < 6; i++)
        {
            using var r = await client.PostAsync("/", new StringContent("x"));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        Assert.Equal(6, served);

        // An instance that closes without answering: a GET is retried, a POST over a fresh connection is not.
        var rude = Raw((_, _) => ("", true));
        _listener.SetRoutes([Route("web2", rude, port)]);
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++) codes.Add((await client.PostAsync("/", new StringContent("x"))).StatusCode);
        Assert.Contains(HttpStatusCode.BadGateway, codes);
        Assert.Contains(HttpStatusCode.OK, codes);
    }

    [Fact]
    public async Task AConnectionTheInstanceClosedWhileIdle_IsNotAFailure()
    {
        // Answers, then closes the keep-alive connection shortly after (as Node does after its keepAliveTimeout).
        var closing = Raw((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true));
        _listener.SetRoutes([Route("web", closing)]);
        using var client = Client();
        for (var i = 0; i < 5; i++)
        {
            using var r = await client.PostAsync("/", new StringContent("x"));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task SilentInstance_Is504AfterTheTimeout_NoInstance503_NoRoute404()
    {
        var silent = Raw((_, _) => ("", false));
        _listener.SetRoutes([Route("web", "/", false, silent), Route("none", "/none", false)]);
        using var client = Client();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var r = await client.PostAsync("/", new StringContent("x"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, r.StatusCode);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.5, 5);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/none/x")).StatusCode);
        Assert.Contains("no ready instance of none", await (await client.GetAsync("/none")).Content.ReadAsStringAsync());
        _listener.SetRoutes([Route("only", "/only", false, silent)]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/else")).StatusCode);
    }

    [Fact]
    public async Task Limits_BodyTooLarge413_HeadTooLarge431_BadRequest400()
    {
        var port = await KestrelAsync(app => app.MapPost("/", async (HttpContext c) =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            return "ok";
        }));
        _listener.SetRoutes([Route("web", port)]);
        using var client = Client();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/", new ByteArrayContent(new byte[(1 << 20) + 1]))).StatusCode);
        var streamed = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StreamContent(new MemoryStream(new byte[3 << 20])) };
        streamed.Headers.TransferEncodingChunked = true;
        try
        {
            var r = await client.SendAsync(streamed);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The gateway may close before the client has sent it all: also a refusal.
        }
        Assert.StartsWith("HTTP/1.1 431", await RawExchangeAsync($"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', 40_000)}\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 400", await RawExchangeAsync("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"));
    }

    [Fact]
    public async Task AnInstanceThatDiesDuringAnUpload_Is502AtOnce_NotAfterTheTimeout()
    {
        var rude = Raw((_, _) => ("", true));
        _listener.SetRoutes([Route("web", rude)]);
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(IPAddress.Loopback, _port);
        // The head and a first part of the body; the rest never comes (the client waits for an answer).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var got = await RawExchangeAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nfirst part", "\r\n\r\n", s);
        Assert.StartsWith("HTTP/1.1 502", got);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task WebSocket_IsTunnelled()
    {
        var port = await KestrelAsync(app =>
        {
            app.UseWebSockets();
            app.Map("/ws", async (HttpContext c) =>
            {
                using var ws = await c.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[1024];
                while (true)
                {
                    var got = await ws.ReceiveAsync(buffer, CancellationToken.None);
                    if (got.MessageType == WebSocketMessageType.Close)
                    {
                        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                        return;
                    }
                    await ws.SendAsync(buffer.AsMemory(0, got.Count), WebSocketMessageType.Text, true, CancellationToken.None);
                }
            });
        });
        var route = Route("web", port);
        _listener.SetRoutes([route]);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{_port}/ws"), CancellationToken.None);
        Assert.Equal(1, route.Destinations[0].InFlight);
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(Encoding.UTF8.GetBytes($"hello {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[64];
            var got = await client.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal($"hello {i}", Encoding.UTF8.GetString(buffer, 0, got.Count));
        }
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        for (var i = 0; i < 100 && route.Destinations[0].InFlight > 0; i++) await Task.Delay(20);
        Assert.Equal(0, route.Destinations[0].InFlight);
    }

    [Fact]
    public async Task Sticky_PinsByCookie_RoundRobinOtherwise()
    {
        var a = Raw((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", false));
        var b = Raw((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", false));
        _listener.SetRoutes([Route("web", "/", true, a, b)]);
        using var pinned = Client(cookies: true);
        var first = await pinned.GetStringAsync("/");
        for (var i = 0; i < 5; i++) Assert.Equal(first, await pinned.GetStringAsync("/"));
        using var fresh = Client();
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            using var r = await fresh.GetAsync("/");
            Assert.Contains(r.Headers.GetValues("Set-Cookie"), c => c.StartsWith("pbm-sticky=web:", StringComparison.Ordinal));
            seen.Add(await r.Content.ReadAsStringAsync());
        }
        Assert.Equal(["a", "b"], seen.Order());
    }

    [Fact]
    public async Task PathRoutes_LongestPrefixWins_OnTheNormalizedPath()
    {
        var api = Raw((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\napi", false));
        var assets = Raw((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nstatic", false));
        _listener.SetRoutes([Route("api", "/", false, api), Route("assets", "/static", false, assets)]);
        using var client = Client();
        Assert.Equal("static", await client.GetStringAsync("/static/logo.png"));
        Assert.Equal("static", await client.GetStringAsync("/static"));
        Assert.Equal("api", await client.GetStringAsync("/staticky"));
        Assert.Equal("api", await client.GetStringAsync("/users"));
        Assert.Contains("\r\n\r\nstatic", await RawExchangeAsync("GET /st%61tic/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        Assert.Contains("\r\n\r\napi", await RawExchangeAsync("GET /static/../users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    }

    [Fact]
    public async Task InFlight_CountsARequestUntilItsResponseEnds()
    {
        var release = new TaskCompletionSource();
        var port = await KestrelAsync(app => app.MapGet("/", async () =>
        {
            await release.Task;
            return "done";
        }));
        var route = Route("web", port);
        _listener.SetRoutes([route]);
        using var client = Client();
        var pending = client.GetStringAsync("/");
        for (var i = 0; i < 100 && route.Destinations[0].InFlight == 0; i++) await Task.Delay(20);
        Assert.Equal(1, route.Destinations[0].InFlight);
        release.SetResult();
        Assert.Equal("done", await pending);
        // The count drops right after the last byte is sent, which the client may see first.
        for (var i = 0; i < 100 && route.Destinations[0].InFlight > 0; i++) await Task.Delay(10);
        Assert.Equal(0, route.Destinations[0].InFlight);
    }
}
