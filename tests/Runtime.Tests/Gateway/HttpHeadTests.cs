using System.Text;
using Pbm.Runtime.Gateway;

namespace Pbm.Runtime.Tests.Gateway;

public sealed class HttpHeadTests
{
    private static (int Status, RequestHead Head) Parse(string head)
    {
        var r = new RequestHead();
        return (r.Parse(Encoding.ASCII.GetBytes(head)), r);
    }

    [Fact]
    public void Request_FramingAndHopByHopHeaders()
    {
        var text = "POST /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 12\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n" +
                   "X-Forwarded-For: 6.6.6.6\r\nKeep-Alive: 5\r\nCookie: a=1; pbm-sticky=web:1\r\nX-Other: yes\r\n\r\n";
        var (status, h) = Parse(text);
        Assert.Equal(0, status);
        Assert.Equal(12, h.ContentLength);
        Assert.False(h.Chunked);
        Assert.False(h.Idempotent);
        Assert.True(h.ConnectionKeepAlive && h.ConnectionUpgrade && !h.ConnectionClose);
        Assert.True(h.IsWebSocket);
        Assert.Equal("example.com:8080", text[h.HostStart..h.HostEnd]);
        Assert.Equal("/a?b=1", text[h.TargetStart..h.TargetEnd]);
        Assert.Equal("a=1; pbm-sticky=web:1", text[h.CookieStart..h.CookieEnd]);
        Assert.Equal(text.Length, h.HeadEnd);
        var dropped = Enumerable.Range(0, h.DropCount / 2).Select(i => text[h.Drops[2 * i]..h.Drops[2 * i + 1]].Split(':')[0]).ToList();
        Assert.Equal(["Host", "Connection", "Upgrade", "X-Forwarded-For", "Keep-Alive"], dropped);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", 400)] // no Host
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -3\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)]
    [InlineData("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400)]
    [InlineData("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501)]
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n", 400)]
    public void Request_Rejected(string head, int status) => Assert.Equal(status, Parse(head).Status);

    [Theory]
    [InlineData("GET / HTTP/1.0\r\n\r\n", true)]
    [InlineData("GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("DELETE /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false)]
    public void Request_Accepted(string head, bool idempotent)
    {
        var (status, h) = Parse(head);
        Assert.Equal(0, status);
        Assert.Equal(idempotent, h.Idempotent);
    }

    [Fact]
    public void Response_DropsHopByHopButKeepsThemOnA101()
    {
        var text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\nKeep-Alive: timeout=5\r\nX-A: 1\r\n\r\n";
        var r = new ResponseHead();
        Assert.True(r.Parse(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(200, r.Status);
        Assert.Equal(5, r.ContentLength);
        Assert.True(r.ConnectionClose);
        Assert.Equal(4, r.DropCount);

        var upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        Assert.True(r.Parse(Encoding.ASCII.GetBytes(upgrade)));
        Assert.Equal(101, r.Status);
        Assert.Equal(0, r.DropCount);

        var both = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        Assert.True(r.Parse(Encoding.ASCII.GetBytes(both)));
        Assert.True(r.Chunked);
        Assert.Equal(-1, r.ContentLength);
        Assert.Equal("Content-Length: 5\r\n", both[r.Drops[0]..r.Drops[1]]);

        Assert.False(r.Parse("HTTP/1.1 2x0 OK\r\n\r\n"u8));
        Assert.False(r.Parse("ICY 200 OK\r\n\r\n"u8));
    }

    [Fact]
    public void Chunked_FindsTheEndWhateverTheSplit()
    {
        var body = "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(body + "NEXT");
        for (var split = 1; split < body.Length; split++)
        {
            var s = default(ChunkedScanner);
            var a = s.Scan(bytes.AsSpan(0, split));
            Assert.Equal(split, a);
            Assert.False(s.Done);
            var b = s.Scan(bytes.AsSpan(split));
            Assert.True(s.Done);
            Assert.Equal(body.Length, a + b);
        }
        var one = default(ChunkedScanner);
        var total = 0;
        foreach (var x in bytes)
        {
            if (one.Done) break;
            total += one.Scan([x]);
        }
        Assert.Equal(body.Length, total);
    }

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("5\r\nhelloX\r\n")]
    [InlineData("5\nhello\r\n")]
    [InlineData("ffffffffffffffff1\r\n")]
    public void Chunked_BrokenFraming(string body)
    {
        var s = default(ChunkedScanner);
        Assert.Equal(-1, s.Scan(Encoding.ASCII.GetBytes(body)));
    }

    [Theory]
    [InlineData("/static/a.png", "/static/a.png")]
    [InlineData("/static?x=/api", "/static")]
    [InlineData("/st%61tic/a", "/static/a")]
    [InlineData("/api/../static/a", "/static/a")]
    [InlineData("/static/./../api", "/api")]
    [InlineData("/a%2Fb", "/a%2Fb")]
    [InlineData("http://host:1/static/x?q", "/static/x")]
    [InlineData("http://host", "/")]
    public void RoutingPath_IsDecodedAndNormalizedLikeKestrels(string target, string path)
    {
        var raw = Http.RoutingPath(Encoding.ASCII.GetBytes(target), out var normalized);
        Assert.Equal(path, normalized ?? Encoding.ASCII.GetString(raw));
    }
}
