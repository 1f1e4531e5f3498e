using System.Buffers;
using System.Text;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// The parsed head of a client's HTTP/1.x request, as offsets into the connection's buffer (no copies, no
/// strings on the hot path). Strict where framing is decided (request smuggling): one Host, one Content-Length
/// value, Transfer-Encoding only "chunked" and never with Content-Length, no obs-fold, no whitespace before a
/// colon, no control bytes; anything else is answered 400 (or 501/505) and the connection closed.
/// </summary>
internal sealed class RequestHead
{
    public const int MaxRequestLine = 8 * 1024;
    public const int MaxHead = 32 * 1024;

    /// <summary>Request-line fields, [start, end) offsets into the head.</summary>
    public int MethodEnd, TargetStart, TargetEnd, FirstHeader, HeadEnd;
    public bool Http10, Idempotent, IsHead;
    public int HostStart, HostEnd, UpgradeStart, UpgradeEnd, CookieStart, CookieEnd;
    public long ContentLength;
    public bool Chunked, ConnectionClose, ConnectionKeepAlive, ConnectionUpgrade, Expect100;
    /// <summary>Header lines not forwarded (hop-by-hop, Host, X-Forwarded-*): [start, end) pairs, in order.</summary>
    public int[] Drops = new int[16];
    public int DropCount;

    /// <summary>True when the client asked to switch to WebSocket (Connection: upgrade + Upgrade: websocket).</summary>
    public bool IsWebSocket;

    public bool HasBody => Chunked || ContentLength > 0;

    /// <summary>Parses <paramref name="head"/> (which ends with the blank line). 0 when valid, else the status to answer.</summary>
    public int Parse(ReadOnlySpan<byte> head)
    {
        MethodEnd = TargetStart = TargetEnd = FirstHeader = HeadEnd = 0;
        Http10 = Idempotent = IsHead = false;
        HostStart = HostEnd = UpgradeStart = UpgradeEnd = CookieStart = CookieEnd = -1;
        ContentLength = -1;
        Chunked = ConnectionClose = ConnectionKeepAlive = ConnectionUpgrade = Expect100 = IsWebSocket = false;
        DropCount = 0;

        var lf = head.IndexOf((byte)'\n');
        if (lf < 1 || head[lf - 1] != '\r') return 400;
        if (lf > MaxRequestLine) return 414;
        var line = head[..(lf - 1)];
        var sp = line.IndexOf((byte)' ');
        if (sp <= 0 || line[..sp].IndexOfAnyExcept(Http.Token) >= 0) return 400;
        MethodEnd = sp;
        var method = line[..sp];
        var rest = line[(sp + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0) return 400;
        var target = rest[..sp2];
        if (target.IndexOfAny(Http.NotInTarget) >= 0) return 400;
        TargetStart = sp + 1;
        TargetEnd = TargetStart + sp2;
        var version = rest[(sp2 + 1)..];
        if (version.SequenceEqual("HTTP/1.1"u8)) Http10 = false;
        else if (version.SequenceEqual("HTTP/1.0"u8)) Http10 = true;
        else return version.StartsWith("HTTP/"u8) ? 505 : 400;
        if (method.SequenceEqual("CONNECT"u8)) return 501;
        IsHead = method.SequenceEqual("HEAD"u8);
        Idempotent = IsHead || method.SequenceEqual("GET"u8) || method.SequenceEqual("OPTIONS"u8) || method.SequenceEqual("TRACE"u8);
        if (target[0] != '/' && !(target.Length == 1 && target[0] == '*') && !target.StartsWith("http://"u8) && !target.StartsWith("https://"u8))
            return 400;

        var pos = lf + 1;
        FirstHeader = pos;
        var webSocket = false;
        while (true)
        {
            var nl = head[pos..].IndexOf((byte)'\n');
            if (nl < 1 || head[pos + nl - 1] != '\r') return 400;
            var h = head.Slice(pos, nl - 1);
            var next = pos + nl + 1;
            if (h.IsEmpty)
            {
                HeadEnd = next;
                break;
            }
            var colon = h.IndexOf((byte)':');
            if (colon <= 0 || h[..colon].IndexOfAnyExcept(Http.Token) >= 0) return 400; // also obs-fold and "name :"
            var v = h[(colon + 1)..];
            if (v.IndexOfAny(Http.ControlButTab) >= 0) return 400;
            var vs = pos + colon + 1 + Http.LeadingWhitespace(v);
            v = v.Trim(" \t"u8);
            var ve = vs + v.Length;
            switch (Http.Classify(h[..colon]))
            {
                case Header.Host:
                    if (HostStart >= 0) return 400;
                    (HostStart, HostEnd) = (vs, ve);
                    Drop(pos, next);
                    break;
                case Header.ContentLength:
                    if (!Http.TryParseLength(v, out var length) || (ContentLength >= 0 && ContentLength != length)) return 400;
                    ContentLength = length;
                    break;
                case Header.TransferEncoding:
                    if (Chunked || !Ascii.EqualsIgnoreCase(v, "chunked"u8)) return Chunked ? 400 : 501;
                    Chunked = true;
                    break;
                case Header.Connection:
                    Http.ConnectionTokens(v, ref ConnectionClose, ref ConnectionKeepAlive, ref ConnectionUpgrade);
                    Drop(pos, next);
                    break;
                case Header.Upgrade:
                    (UpgradeStart, UpgradeEnd) = (vs, ve);
                    webSocket |= Http.ContainsToken(v, "websocket"u8);
                    Drop(pos, next);
                    break;
                case Header.HopByHop:
                case Header.XForwarded:
                    Drop(pos, next);
                    break;
                case Header.Expect:
                    Expect100 = Ascii.EqualsIgnoreCase(v, "100-continue"u8);
                    break;
                case Header.Cookie:
                    if (CookieStart < 0) (CookieStart, CookieEnd) = (vs, ve);
                    break;
            }
            pos = next;
        }
        if (!Http10 && HostStart < 0) return 400;
        if (Chunked && (ContentLength >= 0 || Http10)) return 400;
        if (ContentLength < 0) ContentLength = 0;
        IsWebSocket = webSocket && ConnectionUpgrade && !Http10;
        return 0;
    }

    private void Drop(int start, int end)
    {
        if (DropCount + 2 > Drops.Length) Array.Resize(ref Drops, Drops.Length * 2);
        Drops[DropCount++] = start;
        Drops[DropCount++] = end;
    }
}

/// <summary>The parsed head of an instance's response; offsets into the backend connection's buffer.</summary>
internal sealed class ResponseHead
{
    public const int MaxHead = 64 * 1024;

    public int Status, FirstHeader, HeadEnd;
    public bool Http10, Chunked, ConnectionClose, ConnectionKeepAlive;
    public long ContentLength;
    public int[] Drops = new int[8];
    public int DropCount;

    /// <summary>Parses <paramref name="head"/> (ending with the blank line); false when it is not a valid HTTP/1.x response head.</summary>
    public bool Parse(ReadOnlySpan<byte> head)
    {
        Status = FirstHeader = HeadEnd = 0;
        Http10 = Chunked = ConnectionClose = ConnectionKeepAlive = false;
        ContentLength = -1;
        DropCount = 0;
        var lf = head.IndexOf((byte)'\n');
        if (lf < 13 || head[lf - 1] != '\r') return false;
        var line = head[..(lf - 1)];
        if (line.StartsWith("HTTP/1.1 "u8)) Http10 = false;
        else if (line.StartsWith("HTTP/1.0 "u8)) Http10 = true;
        else return false;
        if (!char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11]) ||
            (line.Length > 12 && line[12] != ' '))
            return false;
        Status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        if (Status < 100) return false;
        var pos = lf + 1;
        FirstHeader = pos;
        var chunkedSeen = false;
        while (true)
        {
            var nl = head[pos..].IndexOf((byte)'\n');
            if (nl < 1 || head[pos + nl - 1] != '\r') return false;
            var h = head.Slice(pos, nl - 1);
            var next = pos + nl + 1;
            if (h.IsEmpty)
            {
                HeadEnd = next;
                break;
            }
            var colon = h.IndexOf((byte)':');
            if (colon <= 0 || h[..colon].IndexOfAnyExcept(Http.Token) >= 0) return false;
            var v = h[(colon + 1)..].Trim(" \t"u8);
            switch (Http.Classify(h[..colon]))
            {
                case Header.ContentLength:
                    if (!Http.TryParseLength(v, out var length) || (ContentLength >= 0 && ContentLength != length)) return false;
                    ContentLength = length;
                    break;
                case Header.TransferEncoding:
                    // Only the last coding decides the framing; the header itself passes through.
                    chunkedSeen = Http.LastTokenIs(v, "chunked"u8);
                    if (!chunkedSeen) return false;
                    break;
                case Header.Connection:
                    var upgrade = false;
                    Http.ConnectionTokens(v, ref ConnectionClose, ref ConnectionKeepAlive, ref upgrade);
                    if (Status != 101) Drop(pos, next);
                    break;
                case Header.HopByHop:
                    if (Status != 101) Drop(pos, next);
                    break;
            }
            pos = next;
        }
        Chunked = chunkedSeen;
        if (Chunked && ContentLength >= 0)
        {
            // RFC 9112 6.3: Transfer-Encoding overrides Content-Length; never pass both on.
            ContentLength = -1;
            DropContentLength(head);
        }
        return true;
    }

    private void DropContentLength(ReadOnlySpan<byte> head)
    {
        var pos = FirstHeader;
        while (pos < HeadEnd - 2)
        {
            var nl = head[pos..].IndexOf((byte)'\n');
            var h = head.Slice(pos, nl - 1);
            var colon = h.IndexOf((byte)':');
            if (Http.Classify(h[..colon]) == Header.ContentLength) Drop(pos, pos + nl + 1);
            pos += nl + 1;
        }
        // Keep the drop ranges ordered by offset.
        var pairs = new (int, int)[DropCount / 2];
        for (var i = 0; i < pairs.Length; i++) pairs[i] = (Drops[2 * i], Drops[2 * i + 1]);
        Array.Sort(pairs);
        for (var i = 0; i < pairs.Length; i++) (Drops[2 * i], Drops[2 * i + 1]) = pairs[i];
    }

    private void Drop(int start, int end)
    {
        if (DropCount + 2 > Drops.Length) Array.Resize(ref Drops, Drops.Length * 2);
        Drops[DropCount++] = start;
        Drops[DropCount++] = end;
    }
}

internal enum Header { Other, Host, ContentLength, TransferEncoding, Connection, Upgrade, HopByHop, XForwarded, Expect, Cookie }

internal static class Http
{
    /// <summary>RFC 9110 tchar.</summary>
    public static readonly SearchValues<byte> Token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Bytes a header value may not hold: controls other than HTAB, and DEL.</summary>
    public static readonly SearchValues<byte> ControlButTab = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>Bytes a request target may not hold: controls, space, DEL.</summary>
    public static readonly SearchValues<byte> NotInTarget = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 127]);

    public static Header Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when Ascii.EqualsIgnoreCase(name, "te"u8) => Header.HopByHop,
        4 when Ascii.EqualsIgnoreCase(name, "host"u8) => Header.Host,
        6 when Ascii.EqualsIgnoreCase(name, "cookie"u8) => Header.Cookie,
        6 when Ascii.EqualsIgnoreCase(name, "expect"u8) => Header.Expect,
        7 when Ascii.EqualsIgnoreCase(name, "upgrade"u8) => Header.Upgrade,
        10 when Ascii.EqualsIgnoreCase(name, "connection"u8) => Header.Connection,
        10 when Ascii.EqualsIgnoreCase(name, "keep-alive"u8) => Header.HopByHop,
        14 when Ascii.EqualsIgnoreCase(name, "content-length"u8) => Header.ContentLength,
        15 when Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8) => Header.XForwarded,
        16 when Ascii.EqualsIgnoreCase(name, "proxy-connection"u8) => Header.HopByHop,
        16 when Ascii.EqualsIgnoreCase(name, "x-forwarded-host"u8) => Header.XForwarded,
        17 when Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8) => Header.TransferEncoding,
        17 when Ascii.EqualsIgnoreCase(name, "x-forwarded-proto"u8) => Header.XForwarded,
        _ => Header.Other,
    };

    public static int LeadingWhitespace(ReadOnlySpan<byte> v)
    {
        var i = 0;
        while (i < v.Length && (v[i] == ' ' || v[i] == '\t')) i++;
        return i;
    }

    /// <summary>Digits only (no sign, no spaces, no list), at most 18 of them.</summary>
    public static bool TryParseLength(ReadOnlySpan<byte> v, out long value)
    {
        value = 0;
        if (v.IsEmpty || v.Length > 18) return false;
        foreach (var b in v)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    public static void ConnectionTokens(ReadOnlySpan<byte> v, ref bool close, ref bool keepAlive, ref bool upgrade)
    {
        foreach (var range in v.Split((byte)','))
        {
            var t = v[range].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(t, "close"u8)) close = true;
            else if (Ascii.EqualsIgnoreCase(t, "keep-alive"u8)) keepAlive = true;
            else if (Ascii.EqualsIgnoreCase(t, "upgrade"u8)) upgrade = true;
        }
    }

    public static bool ContainsToken(ReadOnlySpan<byte> v, ReadOnlySpan<byte> token)
    {
        foreach (var range in v.Split((byte)','))
        {
            var t = v[range].Trim(" \t"u8);
            var slash = t.IndexOf((byte)'/');
            if (Ascii.EqualsIgnoreCase(slash < 0 ? t : t[..slash], token)) return true;
        }
        return false;
    }

    public static bool LastTokenIs(ReadOnlySpan<byte> v, ReadOnlySpan<byte> token)
    {
        var comma = v.LastIndexOf((byte)',');
        return Ascii.EqualsIgnoreCase(v[(comma + 1)..].Trim(" \t"u8), token);
    }

    /// <summary>The host of a Host header value, without its port ("[::1]:80" gives "[::1]").</summary>
    public static ReadOnlySpan<byte> HostName(ReadOnlySpan<byte> host)
    {
        if (host.StartsWith("["u8))
        {
            var close = host.IndexOf((byte)']');
            return close < 0 ? host : host[..(close + 1)];
        }
        var colon = host.IndexOf((byte)':');
        return colon < 0 ? host : host[..colon];
    }

    /// <summary>
    /// The path a route is matched on: the target's path without query, from origin or absolute form; percent-
    /// decoded and with dot segments removed (as Kestrel does) when it has any, else the raw bytes as they are.
    /// </summary>
    public static ReadOnlySpan<byte> RoutingPath(ReadOnlySpan<byte> target, out string? normalized)
    {
        normalized = null;
        if (target[0] != '/')
        {
            if (target.Length == 1) return target; // "*"
            var scheme = target.IndexOf("://"u8);
            var slash = target[(scheme + 3)..].IndexOf((byte)'/');
            target = slash < 0 ? "/"u8 : target[(scheme + 3 + slash)..];
        }
        var q = target.IndexOfAny((byte)'?', (byte)'#');
        var path = q < 0 ? target : target[..q];
        if (path.IndexOf((byte)'%') < 0 && path.IndexOf("/."u8) < 0) return path;
        normalized = Normalize(Encoding.Latin1.GetString(path));
        return default;
    }

    private static string Normalize(string path)
    {
        var decoded = Uri.UnescapeDataString(path.Replace("%2F", "%252F", StringComparison.OrdinalIgnoreCase));
        var segments = new List<string>();
        foreach (var s in decoded.Split('/'))
        {
            if (s == ".") continue;
            if (s == "..")
            {
                if (segments.Count > 1) segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(s);
        }
        var result = string.Join('/', segments);
        if (decoded.EndsWith("/.", StringComparison.Ordinal) || decoded.EndsWith("/..", StringComparison.Ordinal)) result += "/";
        return result.StartsWith('/') ? result : "/" + result;
    }

    /// <summary>Reason phrases of the statuses the gateway answers itself.</summary>
    public static ReadOnlySpan<byte> Reason(int status) => status switch
    {
        400 => "Bad Request"u8,
        404 => "Not Found"u8,
        408 => "Request Timeout"u8,
        413 => "Payload Too Large"u8,
        414 => "URI Too Long"u8,
        431 => "Request Header Fields Too Large"u8,
        501 => "Not Implemented"u8,
        502 => "Bad Gateway"u8,
        503 => "Service Unavailable"u8,
        504 => "Gateway Timeout"u8,
        505 => "HTTP Version Not Supported"u8,
        _ => "Error"u8,
    };
}

/// <summary>
/// Finds where a chunked body ends while its bytes pass through unchanged (chunk sizes, extensions, trailers).
/// </summary>
internal struct ChunkedScanner
{
    private enum State : byte { Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerStart, Trailer, TrailerLf, FinalLf, Done }

    private State _state;
    private long _remaining;
    private int _digits;
    private int _lineLength;

    public readonly bool Done => _state == State.Done;

    public void Reset() => this = default;

    /// <summary>
    /// How many of <paramref name="data"/>'s bytes belong to the body (all of them unless it ends inside), or -1
    /// when the framing is broken.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case State.Data:
                    var take = (int)Math.Min(_remaining, data.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0) _state = State.DataCr;
                    continue;
                case State.Size:
                    var b = data[i];
                    var digit = b is >= (byte)'0' and <= (byte)'9' ? b - '0' : (b | 0x20) is >= 'a' and <= 'f' ? (b | 0x20) - 'a' + 10 : -1;
                    if (digit >= 0)
                    {
                        if (++_digits > 15) return -1;
                        _remaining = _remaining * 16 + digit;
                    }
                    else if (_digits == 0) return -1;
                    else if (b == '\r') _state = State.SizeLf;
                    else if (b is (byte)';' or (byte)' ' or (byte)'\t') _state = State.Extension;
                    else return -1;
                    break;
                case State.Extension:
                    if (data[i] == '\r') _state = State.SizeLf;
                    else if (data[i] == '\n' || ++_lineLength > 4096) return -1;
                    break;
                case State.SizeLf:
                    if (data[i] != '\n') return -1;
                    _digits = 0;
                    _lineLength = 0;
                    _state = _remaining == 0 ? State.TrailerStart : State.Data;
                    break;
                case State.DataCr:
                    if (data[i] != '\r') return -1;
                    _state = State.DataLf;
                    break;
                case State.DataLf:
                    if (data[i] != '\n') return -1;
                    _state = State.Size;
                    break;
                case State.TrailerStart:
                    _state = data[i] == '\r' ? State.FinalLf : State.Trailer;
                    _lineLength = 0;
                    break;
                case State.Trailer:
                    if (data[i] == '\r') _state = State.TrailerLf;
                    else if (++_lineLength > 8192) return -1;
                    break;
                case State.TrailerLf:
                    if (data[i] != '\n') return -1;
                    _state = State.TrailerStart;
                    break;
                case State.FinalLf:
                    if (data[i] != '\n') return -1;
                    _state = State.Done;
                    return i + 1;
                case State.Done:
                    return i;
            }
            i++;
        }
        return i;
    }
}
