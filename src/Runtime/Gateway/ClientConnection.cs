using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// One client connection to a public port, served request after request (HTTP/1.1 keep-alive; HTTP/1.0 one
/// request). Each request is matched to a route, sent to one ready instance over a pooled keep-alive connection
/// with X-Forwarded-For/-Host/-Proto set, and its response relayed byte for byte as it arrives (streaming; framing
/// by Content-Length, chunked or connection close). A request that failed before any response byte reached the
/// client is sent again to another instance when that is safe: the connection to the instance could not be made
/// (any method), or it was lost before an answer and the request is idempotent or went over a reused connection
/// (which the instance may have closed while idle), provided its body was in hand to send again. WebSocket
/// upgrades are tunnelled both ways after the instance's 101.
/// </summary>
/// <remarks>
/// Why not Kestrel + YARP (what this replaced): on a small machine shared with the apps, their cost per request
/// was about 3x the Node app's, mostly thread hand-offs (socket engine -> Kestrel's IO queue -> pipe -> request
/// -> HttpClient -> back) and the thread pool spinning between them. Here a request is two socket waits (the
/// client's request, the instance's response); each send is normally done in place. A request allocates nothing
/// on the keep-alive path: the request and its attempts run in the connection's one async method (one state
/// machine per connection; separate async methods per request cost ~450 B each at 50 requests in flight, the
/// pooling builder's cache being far smaller than that). Timeouts are deadlines checked by the listener's 1 s
/// sweep instead of timers per operation.
/// </remarks>
internal sealed class ClientConnection
{
    private const int KeepAliveMs = 130_000;
    private const int HeadersMs = 30_000;
    private const long PollIdleMs = 500;

    private static readonly byte[] ForwardedHost = "X-Forwarded-Host: "u8.ToArray();
    private static readonly byte[] ForwardedProto = "X-Forwarded-Proto: http\r\n"u8.ToArray();
    private static readonly byte[] UpgradeLines = "Connection: Upgrade\r\nUpgrade: "u8.ToArray();
    private static readonly byte[] CloseLine = "Connection: close\r\n"u8.ToArray();

    private readonly GatewayListener _listener;
    private readonly Socket _socket;
    private readonly byte[] _forwardedFor;
    private readonly RequestHead _req = new();
    private readonly ResponseHead _res = new();
    private readonly int _timeoutMs;
    private byte[] _in;
    private int _filled;
    private byte[] _out;

    // Deadline of the current wait (Environment.TickCount64 ms), and what to close when it passes.
    private long _deadline = long.MaxValue;
    private Socket? _deadlineA, _deadlineB;
    private volatile bool _timedOut;
    private volatile bool _bodyTooLarge;
    private CancellationTokenSource? _pumpStop;
    /// <summary>The instance connection of the request in progress, if it is not back in its pool.</summary>
    private BackendConnection? _backend;

    public ClientConnection(GatewayListener listener, Socket socket)
    {
        _listener = listener;
        _socket = socket;
        _timeoutMs = (int)Math.Min(int.MaxValue, listener.Settings.RequestTimeout.TotalMilliseconds);
        var remote = (socket.RemoteEndPoint as IPEndPoint)?.Address;
        if (remote is { IsIPv4MappedToIPv6: true }) remote = remote.MapToIPv4();
        _forwardedFor = Encoding.ASCII.GetBytes($"X-Forwarded-For: {remote}\r\n");
        _in = ArrayPool<byte>.Shared.Rent(8 * 1024);
        _out = ArrayPool<byte>.Shared.Rent(8 * 1024);
    }

    /// <summary>Between requests, waiting for the next one (may be closed at once when the listener stops).</summary>
    public bool Idle { get; private set; } = true;

    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                int requestHeadEnd;
                while ((requestHeadEnd = HeadEnd(_in.AsSpan(0, _filled))) < 0)
                {
                    if (_filled >= RequestHead.MaxHead)
                    {
                        await RespondAsync(431, "pbm: request head too large", close: true);
                        return;
                    }
                    if (_filled == _in.Length) Grow(ref _in, _filled);
                    Arm(_filled == 0 ? KeepAliveMs : HeadersMs, _socket);
                    var n = await _socket.ReceiveAsync(_in.AsMemory(_filled), SocketFlags.None);
                    if (n == 0) return;
                    _filled += n;
                    Idle = false;
                    if (SkipLeadingBlankLines()) Idle = _filled == 0;
                }
                Idle = false;
                Disarm();
                var parsed = _req.Parse(_in.AsSpan(0, requestHeadEnd));
                if (parsed != 0)
                {
                    await RespondAsync(parsed, "pbm: bad request", close: true);
                    return;
                }
                // The request, then its attempts; all in this one method so a request allocates no state machine.
                bool keep;
                var started = Stopwatch.GetTimestamp();
                var req = _req;
                var route = _listener.Match(_in, req);
                if (route is null) { keep = await RefuseAsync(404, "pbm: no app is routed here"); goto served; }
                if (req.ContentLength > _listener.Settings.MaxBodyBytes)
                {
                    await RespondAsync(413, "pbm: request body too large", close: true);
                    route.Stats.Record(413, Stopwatch.GetTimestamp() - started);
                    keep = false;
                    goto served;
                }
                var setCookie = false;
                var destination = route.Sticky ? Sticky(route, out setCookie) : route.Pick();
                if (destination is null)
                {
                    var refused = await RefuseAsync(503, $"pbm: no ready instance of {route.App}");
                    route.Stats.Record(503, Stopwatch.GetTimestamp() - started);
                    keep = refused;
                    goto served;
                }

                // How much of the body is already here; a body all in hand can be sent again on a retry.
                int bodyHere;
                bool bodyComplete;
                var requestScanner = default(ChunkedScanner);
                var after = _filled - req.HeadEnd;
                if (req.Chunked)
                {
                    bodyHere = requestScanner.Scan(_in.AsSpan(req.HeadEnd, after));
                    if (bodyHere < 0)
                    {
                        await RespondAsync(400, "pbm: bad chunked body", close: true);
                        keep = false;
                        goto served;
                    }
                    bodyComplete = requestScanner.Done;
                    if (bodyHere > _listener.Settings.MaxBodyBytes)
                    {
                        await RespondAsync(413, "pbm: request body too large", close: true);
                        keep = false;
                        goto served;
                    }
                }
                else
                {
                    bodyHere = (int)Math.Min(req.ContentLength, after);
                    bodyComplete = bodyHere == req.ContentLength;
                }
                if (req.IsWebSocket) bodyComplete = true; // whatever follows the head is the tunnel's, sent along

                var outcome = default(Outcome);
                var attempts = 0;
                var retried = false;
                while (true)
                {
                    attempts++;
                    destination.Enter();
                    try
                    {
                        var cookie = setCookie || (retried && route.Sticky);
                        _timedOut = false;
                        _bodyTooLarge = false;
                        var be = RentLive(destination);
                        var reused = be is not null;
                        if (be is null)
                        {
                            try
                            {
                                be = await ConnectAsync(destination);
                            }
                            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                            {
                                outcome = Outcome.Failed(Failure.Connect, false);
                                goto attempted;
                            }
                        }
                        _backend = be;
                        var upgrade = req.IsWebSocket;
                        Task<bool>? pump = null;
                        var responseStarted = false;
                        try
                        {
                            // The request head as the instance gets it, with the body bytes already here.
                            var headLength = BuildRequestHead(destination);
                            var send = bodyHere + (upgrade ? _filled - req.HeadEnd - bodyHere : 0);
                            Arm(_timeoutMs, be.Socket);
                            if (headLength + send <= _out.Length)
                            {
                                _in.AsSpan(req.HeadEnd, send).CopyTo(_out.AsSpan(headLength));
                                await be.Socket.SendAsync(_out.AsMemory(0, headLength + send), SocketFlags.None);
                            }
                            else
                            {
                                await be.Socket.SendAsync(_out.AsMemory(0, headLength), SocketFlags.None);
                                await be.Socket.SendAsync(_in.AsMemory(req.HeadEnd, send), SocketFlags.None);
                            }
                            if (!bodyComplete)
                            {
                                // The rest of the body streams from the client while the answer is awaited (it may come early).
                                Consume(req.HeadEnd + bodyHere);
                                pump = PumpRequestBodyAsync(be.Socket, req.Chunked ? -1 : req.ContentLength - bodyHere, requestScanner, bodyHere);
                            }
                        }
                        catch (Exception e) when (e is SocketException or ObjectDisposedException)
                        {
                            be.Dispose();
                            outcome = Outcome.Failed(_timedOut ? Failure.TimedOut : Failure.Lost, reused);
                            goto attempted;
                        }

                        var res = _res;
                        var filled = 0;
                        int headEnd;
                        try
                        {
                            while (true)
                            {
                                // Read a response head (interim 1xx heads are relayed and skipped).
                                while ((headEnd = HeadEnd(be.Buffer.AsSpan(0, filled))) < 0)
                                {
                                    if (filled == be.Buffer.Length)
                                    {
                                        if (filled >= ResponseHead.MaxHead) throw new BadResponseException();
                                        Grow(ref be.Buffer, filled, pooled: false);
                                    }
                                    Arm(_timeoutMs, be.Socket, pump is null ? null : _socket);
                                    int n;
                                    try
                                    {
                                        n = await be.Socket.ReceiveAsync(be.Buffer.AsMemory(filled), SocketFlags.None);
                                    }
                                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                                    {
                                        n = -1;
                                    }
                                    if (n <= 0)
                                    {
                                        be.Dispose();
                                        await Settle(pump);
                                        if (responseStarted) { outcome = Aborted(502); goto attempted; }
                                        if (_timedOut) { outcome = Outcome.Failed(Failure.TimedOut, reused); goto attempted; }
                                        outcome = Outcome.Failed(filled == 0 ? Failure.Lost : Failure.BadResponse, reused);
                                        goto attempted;
                                    }
                                    filled += n;
                                }
                                if (!res.Parse(be.Buffer.AsSpan(0, headEnd))) throw new BadResponseException();
                                if (res.Status is >= 100 and < 200 && res.Status != 101)
                                {
                                    Arm(_timeoutMs, _socket);
                                    await _socket.SendAsync(be.Buffer.AsMemory(0, headEnd), SocketFlags.None);
                                    responseStarted = true;
                                    filled -= headEnd;
                                    be.Buffer.AsSpan(headEnd, filled).CopyTo(be.Buffer);
                                    continue;
                                }
                                if (res.Status == 101 && !upgrade) throw new BadResponseException();
                                break;
                            }
                        }
                        catch (BadResponseException)
                        {
                            be.Dispose();
                            await Settle(pump);
                            outcome = responseStarted ? Aborted(502) : Outcome.Failed(Failure.BadResponse, reused);
                            goto attempted;
                        }
                        catch (Exception e) when (e is SocketException or ObjectDisposedException)
                        {
                            // The client went away while an interim response was relayed.
                            be.Dispose();
                            await Settle(pump);
                            outcome = Aborted(res.Status);
                            goto attempted;
                        }

                        if (res.Status == 101) { outcome = await TunnelAsync(be, headEnd, filled); goto attempted; }

                        // The final head, then the body as it comes.
                        var status = res.Status;
                        var noBody = req.IsHead || status is 204 or 304;
                        var untilClose = !noBody && !res.Chunked && res.ContentLength < 0;
                        var closeClient = req.ConnectionClose || req.Http10 || untilClose || upgrade || _listener.Closing;
                        var backendReusable = !res.ConnectionClose && !res.Http10 && !untilClose && !req.Http10 && !upgrade;
                        var scanner = default(ChunkedScanner);
                        long remaining = noBody ? 0 : res.ContentLength;
                        var bodyBytes = filled - headEnd;
                        int bodyNow;
                        var complete = noBody;
                        if (noBody) bodyNow = 0;
                        else if (res.Chunked)
                        {
                            bodyNow = scanner.Scan(be.Buffer.AsSpan(headEnd, bodyBytes));
                            complete = scanner.Done;
                        }
                        else if (untilClose) bodyNow = bodyBytes;
                        else
                        {
                            bodyNow = (int)Math.Min(remaining, bodyBytes);
                            remaining -= bodyNow;
                            complete = remaining == 0;
                        }
                        if (bodyNow < 0)
                        {
                            be.Dispose();
                            await Settle(pump);
                            outcome = Outcome.Failed(Failure.BadResponse, reused);
                            goto attempted;
                        }
                        if (complete && bodyNow != bodyBytes) backendReusable = false; // bytes after the response: do not trust the connection

                        try
                        {
                            var headLength = BuildResponseHead(be.Buffer, destination, cookie, closeClient);
                            Arm(_timeoutMs, _socket);
                            if (headLength + bodyNow <= _out.Length)
                            {
                                be.Buffer.AsSpan(headEnd, bodyNow).CopyTo(_out.AsSpan(headLength));
                                await _socket.SendAsync(_out.AsMemory(0, headLength + bodyNow), SocketFlags.None);
                            }
                            else
                            {
                                await _socket.SendAsync(_out.AsMemory(0, headLength), SocketFlags.None);
                                await _socket.SendAsync(be.Buffer.AsMemory(headEnd, bodyNow), SocketFlags.None);
                            }
                            responseStarted = true;
                            while (!complete)
                            {
                                Arm(_timeoutMs, be.Socket, pump is null ? null : _socket);
                                int n;
                                try
                                {
                                    n = await be.Socket.ReceiveAsync(be.Buffer, SocketFlags.None);
                                }
                                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                                {
                                    n = -1;
                                }
                                if (n == 0 && untilClose) break;
                                if (n <= 0)
                                {
                                    be.Dispose();
                                    await Settle(pump);
                                    outcome = Aborted(status);
                                    goto attempted;
                                }
                                int take;
                                if (res.Chunked)
                                {
                                    take = scanner.Scan(be.Buffer.AsSpan(0, n));
                                    if (take < 0)
                                    {
                                        be.Dispose();
                                        await Settle(pump);
                                        outcome = Aborted(status);
                                        goto attempted;
                                    }
                                    complete = scanner.Done;
                                }
                                else if (untilClose) take = n;
                                else
                                {
                                    take = (int)Math.Min(remaining, n);
                                    remaining -= take;
                                    complete = remaining == 0;
                                }
                                if (take != n) backendReusable = false;
                                Arm(_timeoutMs, _socket);
                                await _socket.SendAsync(be.Buffer.AsMemory(0, take), SocketFlags.None);
                            }
                        }
                        catch (Exception e) when (e is SocketException or ObjectDisposedException)
                        {
                            // The client went away mid-response.
                            be.Dispose();
                            await Settle(pump);
                            outcome = Aborted(status);
                            goto attempted;
                        }
                        Disarm();

                        if (pump is not null)
                        {
                            if (!pump.IsCompleted)
                            {
                                // Answered before the whole body came: neither connection knows where the next request starts.
                                be.Dispose();
                                _socket.Dispose();
                                await Settle(pump);
                                outcome = new Outcome(OutcomeKind.Done, status, false);
                                goto attempted;
                            }
                            if (!await Settle(pump))
                            {
                                backendReusable = false;
                                closeClient = true;
                            }
                        }
                        else
                        {
                            Consume(req.HeadEnd + bodyHere);
                        }
                        if (backendReusable)
                        {
                            be.Uses++;
                            _backend = null;
                            destination.Return(be);
                        }
                        else
                        {
                            be.Dispose();
                        }
                        outcome = new Outcome(OutcomeKind.Done, status, !closeClient);
                        goto attempted;
                    }
                    finally
                    {
                        destination.Exit();
                    }
                    attempted:
                    if (outcome.Kind != OutcomeKind.NoResponse) break;
                    var safe = outcome.Failure switch
                    {
                        Failure.Connect => true,
                        Failure.Lost => req.Idempotent || outcome.Reused,
                        _ => req.Idempotent,
                    };
                    // One retry on another instance (as before); a lost reused connection may also retry on a fresh one.
                    if (!safe || !bodyComplete || attempts >= 3 || (attempts == 2 && !outcome.Reused)) break;
                    var other = route.Pick(except: destination);
                    if (other is null && !outcome.Reused) break;
                    destination = other ?? destination;
                    retried = true;
                }

                var keepAlive = outcome.KeepAlive;
                var code = outcome.Status;
                if (outcome.Kind == OutcomeKind.NoResponse)
                {
                    code = _bodyTooLarge ? 413 : outcome.Failure == Failure.TimedOut ? 504 : 502;
                    var message = code switch
                    {
                        413 => "pbm: request body too large",
                        504 => $"pbm: {destination.InstanceId} did not answer within {_listener.Settings.RequestTimeout.TotalSeconds:0.#} s",
                        _ => $"pbm: {destination.InstanceId} failed before answering",
                    };
                    keepAlive = bodyComplete && !_bodyTooLarge;
                    if (keepAlive) Consume(req.HeadEnd + bodyHere);
                    await RespondAsync(code, message, close: !keepAlive);
                }
                route.Stats.Record(code, Stopwatch.GetTimestamp() - started);
                keep = keepAlive;
                served:
                Idle = true;
                if (!keep || _listener.Closing) return;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The client went away (or the listener closed it): nothing to answer.
        }
        catch (Exception e)
        {
            // A bug: this connection ends (its instance connection too), the others go on; say so in the log.
            _listener.Unexpected(e);
        }
        finally
        {
            _backend?.Dispose();
            Close();
        }
    }

    private enum OutcomeKind : byte { Done, NoResponse }
    private enum Failure : byte { None, Connect, Lost, TimedOut, BadResponse }

    private readonly record struct Outcome(OutcomeKind Kind, int Status, bool KeepAlive, Failure Failure = Failure.None, bool Reused = false)
    {
        public static Outcome Failed(Failure failure, bool reused) => new(OutcomeKind.NoResponse, 0, false, failure, reused);
    }

    private static Outcome Aborted(int status) => new(OutcomeKind.Done, status, false);

    private sealed class BadResponseException : Exception;

    /// <summary>After a 101: bytes both ways until either side closes (half-close passed on) or the timeout passes idle.</summary>
    private async ValueTask<Outcome> TunnelAsync(BackendConnection be, int headEnd, int filled)
    {
        try
        {
            Arm(_timeoutMs, _socket, be.Socket);
            await _socket.SendAsync(be.Buffer.AsMemory(0, filled), SocketFlags.None);
            Consume(_filled);
            var up = CopyAsync(_socket, be.Socket, _in);
            var down = CopyAsync(be.Socket, _socket, be.Buffer);
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            be.Dispose();
        }
        return new Outcome(OutcomeKind.Done, 101, false);
    }

    private async Task CopyAsync(Socket from, Socket to, byte[] buffer)
    {
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                Arm(_timeoutMs, _socket, to == _socket ? from : to);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // One side is gone: end the other direction too.
            from.Dispose();
            to.Dispose();
        }
    }

    /// <summary>
    /// The rest of a request body, from the client to the instance, concurrently with the response. Leaves any
    /// bytes after the body (a pipelined next request) at the start of the input buffer. False when it failed.
    /// </summary>
    private async Task<bool> PumpRequestBodyAsync(Socket backend, long remaining, ChunkedScanner scanner, long sent)
    {
        var chunked = remaining < 0;
        var max = _listener.Settings.MaxBodyBytes;
        _pumpStop?.Dispose();
        _pumpStop = new CancellationTokenSource();
        var stop = _pumpStop.Token;
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(_in.AsMemory(0), SocketFlags.None, stop);
                if (n == 0) throw new SocketException((int)SocketError.ConnectionReset);
                Arm(_timeoutMs, backend, _socket);
                int take;
                if (chunked)
                {
                    take = scanner.Scan(_in.AsSpan(0, n));
                    if (take < 0) throw new SocketException((int)SocketError.ProtocolNotSupported);
                }
                else take = (int)Math.Min(remaining, n);
                sent += take;
                if (sent > max)
                {
                    _bodyTooLarge = true;
                    backend.Dispose();
                    return false;
                }
                await backend.SendAsync(_in.AsMemory(0, take), SocketFlags.None);
                if (!chunked) remaining -= take;
                if (chunked ? scanner.Done : remaining == 0)
                {
                    _filled = n;
                    Consume(take);
                    return true;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            backend.Dispose();
            return false;
        }
    }

    /// <summary>Ends the body pump (stopping its wait for the client if it still runs); whether it succeeded.</summary>
    private async ValueTask<bool> Settle(Task<bool>? pump)
    {
        if (pump is null) return true;
        if (!pump.IsCompleted) _pumpStop?.Cancel();
        try
        {
            return await pump;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private int BuildRequestHead(Destination destination)
    {
        var req = _req;
        var hostLength = req.HostStart >= 0 ? req.HostEnd - req.HostStart : 0;
        var needed = req.HeadEnd + destination.HostLine.Length + _forwardedFor.Length + ForwardedHost.Length + hostLength + 2 +
                     ForwardedProto.Length + UpgradeLines.Length + (req.UpgradeEnd - req.UpgradeStart) + 2 + CloseLine.Length + 2;
        if (needed > _out.Length) Grow(ref _out, 0, needed);
        var o = _out.AsSpan();
        var w = Copy(_in.AsSpan(0, req.FirstHeader), o, 0);
        w = Copy(destination.HostLine, o, w);
        w = CopyHeaders(_in, req.FirstHeader, req.HeadEnd - 2, req.Drops, req.DropCount, o, w);
        w = Copy(_forwardedFor, o, w);
        if (req.HostStart >= 0)
        {
            w = Copy(ForwardedHost, o, w);
            w = Copy(_in.AsSpan(req.HostStart, hostLength), o, w);
            w = Copy("\r\n"u8, o, w);
        }
        w = Copy(ForwardedProto, o, w);
        if (req.IsWebSocket)
        {
            w = Copy(UpgradeLines, o, w);
            w = Copy(_in.AsSpan(req.UpgradeStart, req.UpgradeEnd - req.UpgradeStart), o, w);
            w = Copy("\r\n"u8, o, w);
        }
        else if (req.Http10)
        {
            w = Copy(CloseLine, o, w);
        }
        return Copy("\r\n"u8, o, w);
    }

    private int BuildResponseHead(byte[] head, Destination destination, bool setCookie, bool close)
    {
        var res = _res;
        var needed = res.HeadEnd + destination.StickyCookieLine.Length + CloseLine.Length;
        if (needed > _out.Length) Grow(ref _out, 0, needed);
        var o = _out.AsSpan();
        var w = Copy(head.AsSpan(0, res.FirstHeader), o, 0);
        w = CopyHeaders(head, res.FirstHeader, res.HeadEnd - 2, res.Drops, res.DropCount, o, w);
        if (setCookie) w = Copy(destination.StickyCookieLine, o, w);
        if (close) w = Copy(CloseLine, o, w);
        return Copy("\r\n"u8, o, w);
    }

    /// <summary>Copies [start, end) of <paramref name="source"/> without the dropped [start, end) ranges (in order).</summary>
    private static int CopyHeaders(byte[] source, int start, int end, int[] drops, int dropCount, Span<byte> o, int w)
    {
        var at = start;
        for (var i = 0; i < dropCount; i += 2)
        {
            w = Copy(source.AsSpan(at, drops[i] - at), o, w);
            at = drops[i + 1];
        }
        return Copy(source.AsSpan(at, end - at), o, w);
    }

    private static int Copy(ReadOnlySpan<byte> from, Span<byte> to, int at)
    {
        from.CopyTo(to[at..]);
        return at + from.Length;
    }

    private Destination? Sticky(GatewayRoute route, out bool setCookie)
    {
        setCookie = false;
        if (_req.CookieStart >= 0 && StickyValue(_in.AsSpan(_req.CookieStart, _req.CookieEnd - _req.CookieStart)) is { IsEmpty: false } id &&
            route.Find(id) is { } pinned)
            return pinned;
        setCookie = true;
        return route.Pick();
    }

    private static ReadOnlySpan<byte> StickyValue(ReadOnlySpan<byte> cookies)
    {
        foreach (var range in cookies.Split((byte)';'))
        {
            var c = cookies[range].Trim(" "u8);
            if (c.StartsWith(GatewayListener.StickyCookieBytes) && c.Length > GatewayListener.StickyCookieBytes.Length &&
                c[GatewayListener.StickyCookieBytes.Length] == '=')
                return c[(GatewayListener.StickyCookieBytes.Length + 1)..];
        }
        return default;
    }

    private BackendConnection? RentLive(Destination destination)
    {
        while (destination.Rent() is { } c)
        {
            // A connection idle for a while may have been closed by the instance (Node closes after 5 s): check.
            if (Environment.TickCount64 - c.IdleSince < PollIdleMs) return c;
            try
            {
                if (!c.Socket.Poll(0, SelectMode.SelectRead)) return c;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            c.Dispose();
        }
        return null;
    }

    private async ValueTask<BackendConnection> ConnectAsync(Destination destination)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(_listener.Settings.ConnectTimeout);
            await socket.ConnectAsync(destination.EndPoint, cts.Token);
            return new BackendConnection(socket, destination);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Answers a request the gateway does not forward; true when the connection may go on.</summary>
    private async ValueTask<bool> RefuseAsync(int status, string message)
    {
        var req = _req;
        var after = _filled - req.HeadEnd;
        var keep = !req.ConnectionClose && !req.Http10 && !req.Chunked && req.ContentLength <= after;
        if (keep) Consume(req.HeadEnd + (int)req.ContentLength);
        await RespondAsync(status, message, !keep);
        return keep;
    }

    private async ValueTask RespondAsync(int status, string message, bool close)
    {
        var body = message + "\n";
        var text = $"HTTP/1.1 {status} {Encoding.ASCII.GetString(Http.Reason(status))}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n" +
                   (close ? "Connection: close\r\n" : "") + "\r\n" + (_req.IsHead ? "" : body);
        try
        {
            Arm(_timeoutMs, _socket);
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None);
            if (close)
            {
                // Closing with unread input would reset the connection, and the client might lose this answer:
                // end our side, then read and drop what it still sends (up to 1 MB, for a second or two).
                _socket.Shutdown(SocketShutdown.Send);
                Arm(1000, _socket);
                var drained = 0;
                int n;
                while (drained < 1 << 20 && (n = await _socket.ReceiveAsync(_in, SocketFlags.None)) > 0) drained += n;
            }
            Disarm();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Drops the first <paramref name="count"/> bytes of the input (a request that was served).</summary>
    private void Consume(int count)
    {
        count = Math.Min(count, _filled);
        var rest = _filled - count;
        if (rest > 0) _in.AsSpan(count, rest).CopyTo(_in);
        _filled = rest;
    }

    private bool SkipLeadingBlankLines()
    {
        var skip = 0;
        while (skip + 1 < _filled && _in[skip] == '\r' && _in[skip + 1] == '\n') skip += 2;
        if (skip == 0) return false;
        Consume(skip);
        return true;
    }

    private static int HeadEnd(ReadOnlySpan<byte> data)
    {
        var i = data.IndexOf("\r\n\r\n"u8);
        return i < 0 ? -1 : i + 4;
    }

    private static void Grow(ref byte[] buffer, int keep, int atLeast = 0, bool pooled = true)
    {
        var size = Math.Max(buffer.Length * 2, atLeast);
        var bigger = pooled ? ArrayPool<byte>.Shared.Rent(size) : new byte[size];
        buffer.AsSpan(0, keep).CopyTo(bigger);
        if (pooled) ArrayPool<byte>.Shared.Return(buffer);
        buffer = bigger;
    }

    private void Arm(int ms, Socket a, Socket? b = null)
    {
        _deadlineA = a;
        _deadlineB = b;
        Volatile.Write(ref _deadline, Environment.TickCount64 + ms);
    }

    private void Disarm() => Volatile.Write(ref _deadline, long.MaxValue);

    /// <summary>Called by the listener's sweep: closes what the current wait waits on once its deadline passed.</summary>
    public void CheckDeadline(long now)
    {
        if (now <= Volatile.Read(ref _deadline)) return;
        _timedOut = true;
        _deadlineA?.Dispose();
        _deadlineB?.Dispose();
    }

    /// <summary>Closes the connection now (the listener is stopping).</summary>
    public void Abort() => _socket.Dispose();

    private void Close()
    {
        _listener.Forget(this);
        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
        _pumpStop?.Dispose();
        ArrayPool<byte>.Shared.Return(_in);
        ArrayPool<byte>.Shared.Return(_out);
        _in = _out = [];
    }
}
