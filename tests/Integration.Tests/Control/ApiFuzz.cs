using System.Text;
using System.Text.Json.Nodes;

namespace Pbm.Integration.Tests.Control;

/// <summary>
/// Makes the random and mutated requests of <see cref="ApiFuzzTests"/>, every one from one seeded Random, so a seed
/// gives the same list again. Values that would start real work outside the sandbox are left out on purpose: no
/// valid public port (the gateway would listen), no instance count over 2, no POST /api/kill, no cluster address
/// but closed loopback ports.
/// </summary>
internal sealed class ApiFuzz(int seed, string work)
{
    private readonly Random _random = new(seed);

    /// <summary>One request to send: what to send, and how to show it in a failure message.</summary>
    public sealed record Request(int Number, string Method, string Path, byte[]? Body, string? ContentType, bool Chunked, bool Gzip, string? Token, bool Stream)
    {
        /// <summary>A request that may roll instances out (reload, rollback, deploy, restart with a spec): it answers when they ran.</summary>
        public bool Rollout => Method == "POST" && (Path.EndsWith("/reload", StringComparison.Ordinal) || Path.EndsWith("/rollback", StringComparison.Ordinal) ||
                                                    Path.EndsWith("/deploy", StringComparison.Ordinal) || Path.EndsWith("/restart", StringComparison.Ordinal));

        public override string ToString()
        {
            var body = Body is null ? "no body" : Body.Length > 160
                ? $"{Body.Length} bytes: {Show(Body[..160])}..."
                : $"{Body.Length} bytes: {Show(Body)}";
            return $"#{Number} {Method} {Path} [{ContentType ?? "no content type"}{(Chunked ? ", chunked" : "")}{(Gzip ? ", gzip" : "")}" +
                   $"{(Token is null ? ", no token" : "")}] {body}";
        }

        private static string Show(byte[] bytes) =>
            string.Concat(Encoding.UTF8.GetString(bytes).Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
    }

    private static readonly string[] Names = ["fz", "fz0", "fz1", "fz2"];

    private static readonly string[] Targets =
    [
        "fz", "fz:0", "fz:1", "fz:99", "fz0", "fz1:0", "nope", "all", "0", "1", "..%2F..%2Fx", "fz%00", "a%2Fb", "%C3%BC", "fz:-1", "fz:abc",
        "fz:", ":", "fz::0", "%20", new string('a', 300), new string('b', 5000),
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    private static readonly string?[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz", "application/json; charset=utf-16", "application/octet-stream", "*/*", "garbage", null,
    ];

    /// <summary>The endpoints: method, path (with {t} a target), the body it takes (or null), and whether it streams.</summary>
    private (string Method, string Path, Func<JsonNode?>? Body, bool Stream)[] Endpoints() =>
    [
        ("GET", "/api/ping", null, false),
        ("GET", "/api/apps", null, false),
        ("GET", "/api/apps/{t}", null, false),
        ("POST", "/api/apps", Spec, false),
        ("POST", "/api/apps/{t}/start", null, false),
        ("POST", "/api/apps/{t}/stop", null, false),
        ("POST", "/api/apps/{t}/restart", () => Maybe(new JsonObject { ["spec"] = Spec() }), false),
        ("DELETE", "/api/apps/{t}", null, false),
        ("POST", "/api/apps/{t}/scale", () => new JsonObject { ["count"] = Pick("1", "2", "+1", "-1", "0", "abc", "+", "", "99999999999", "1e3", "-0") }, false),
        ("POST", "/api/apps/{t}/reload", () => Maybe(new JsonObject { ["parallel"] = Pick(1, 2, 0, -5) }), false),
        ("POST", "/api/apps/{t}/rollback", () => Maybe(new JsonObject { ["parallel"] = 1 }), false),
        ("POST", "/api/apps/{t}/deploy", () => new JsonObject { ["spec"] = Spec(), ["parallel"] = 1 }, false),
        ("POST", "/api/apps/{t}/reset", null, false),
        ("POST", "/api/apps/{t}/signal", () => new JsonObject { ["signal"] = Pick("SIGUSR2", "USR1", "12", "SIGNOPE", "0", "-9", "") }, false),
        ("POST", "/api/apps/{t}/disconnect", null, false),
        ("GET", "/api/apps/{t}/env", null, false),
        ("POST", "/api/save", DumpName, false),
        ("POST", "/api/resurrect", DumpName, false),
        ("GET", "/api/logs?" + LogsQuery(follow: false), null, false),
        ("GET", "/api/logs?follow=true&" + LogsQuery(follow: true), null, true),
        ("POST", "/api/logs/flush?target={t}", null, false),
        ("GET", "/metrics", null, false),
        ("GET", "/api/cluster", null, false),
        ("POST", "/api/cluster/join", Address, false),
        ("POST", "/api/cluster/leave", Address, false),
        ("POST", "/api/cluster/down", Address, false),
        ("POST", "/api/cluster/down-unreachable", null, false),
        ("GET", "/api/cluster/tail", null, true),
        ("GET", "/api/hosts", null, false),
        ("GET", "/api/actors?depth=" + Pick("1", "4", "0", "-3", "99", "deep", "1e9", ""), null, false),
        ("GET", "/api/events", null, true),
        ("GET", "/api/palettes", null, false),
        ("POST", "/api/palettes/" + Pick("none", "cluster", "x%00") + "/" + Pick("show", "run", ""), () => new JsonObject { ["arguments"] = new JsonObject { ["a"] = "b" } }, false),
        ("GET", "/api/console/snapshots", null, true),
        ("POST", "/api/console/start", ConsoleStart, false),
        ("POST", "/api/console/deploy", () => new JsonObject { ["app"] = Pick(Names), ["path"] = Pick(work, "/no/such/dir", "rel", ""), ["parallel"] = 1 }, false),
        // Only with a method it does not take: a POST would stop the daemon.
        (Pick("GET", "PUT", "DELETE", "PATCH"), "/api/kill", null, false),
    ];

    public Request Next(int number, string token)
    {
        var endpoints = Endpoints();
        var (method, path, body, stream) = endpoints[_random.Next(endpoints.Length)];
        path = path.Replace("{t}", Pick(Targets), StringComparison.Ordinal);
        if (!path.EndsWith("/kill", StringComparison.Ordinal) && _random.Next(100) < 12) method = Pick(Methods);
        if (method == "POST" && path == "/api/kill") method = "PUT";
        var bytes = MakeBody(body, method);
        var contentType = bytes is null ? null : _random.Next(100) < 70 ? "application/json" : Pick(ContentTypes);
        var tokenChoice = _random.Next(100);
        return new Request(number, method, path, bytes, contentType, Chunked: bytes is not null && _random.Next(100) < 15, Gzip: bytes is not null && _random.Next(100) < 5,
            Token: tokenChoice < 2 ? null : tokenChoice < 4 ? "wrong-" + token : token, Stream: stream && method == "GET");
    }

    private byte[]? MakeBody(Func<JsonNode?>? template, string method)
    {
        var kind = _random.Next(100);
        if (template is null && kind < 60) return null;
        if (method is "GET" or "HEAD" && kind < 80) return null;
        return kind switch
        {
            < 2 => Huge(),
            < 5 => Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),
            < 8 => RandomBytes(_random.Next(1, 300)),
            < 11 => Encoding.UTF8.GetBytes(Pick("", "null", "[]", "{}", "\"x\"", "1", "true", "{", "}", "{\"a\":", "\u0000", "{\"spec\":null}")),
            _ => Mutate(template?.Invoke() ?? new JsonObject { ["x"] = 1 }),
        };
    }

    private byte[] Mutate(JsonNode? node)
    {
        var rounds = _random.Next(0, 4);
        for (var i = 0; i < rounds && node is JsonObject; i++) MutateTree(node);
        var text = node?.ToJsonString() ?? "null";
        var bytes = Encoding.UTF8.GetBytes(text);
        return _random.Next(100) switch
        {
            < 6 => bytes[..(bytes.Length == 0 ? 0 : _random.Next(bytes.Length))],
            < 10 => Insert(bytes, [0xff, 0xfe, 0xc3]),
            < 13 => Insert(bytes, [0]),
            < 15 => [0xef, 0xbb, 0xbf, .. bytes],
            < 18 => Encoding.Unicode.GetBytes(text),
            < 21 => Encoding.UTF8.GetBytes(text.Replace("{", "{\"name\":\"dup\",", StringComparison.Ordinal)),
            < 24 => Encoding.UTF8.GetBytes("[" + text + "]"),
            _ => bytes,
        };
    }

    /// <summary>Changes one value somewhere in the tree: a nasty value, a removed property, an unknown one.</summary>
    private void MutateTree(JsonNode node)
    {
        var objects = new List<JsonObject>();
        void Walk(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                objects.Add(o);
                foreach (var (_, v) in o.ToList()) Walk(v);
            }
            else if (n is JsonArray a) foreach (var v in a.ToList()) Walk(v);
        }
        Walk(node);
        var target = Pick(objects.ToArray());
        var keys = target.Select(kv => kv.Key).ToList();
        switch (_random.Next(10))
        {
            case 0 when keys.Count > 0:
                target.Remove(Pick(keys.ToArray()));
                break;
            case 1:
                target["unknown" + _random.Next(100)] = Nasty();
                break;
            default:
                if (keys.Count > 0) target[Pick(keys.ToArray())] = Nasty();
                break;
        }
    }

    private JsonNode? Nasty() => _random.Next(24) switch
    {
        0 => null,
        1 => JsonValue.Create("a\0b"),
        2 => JsonNode.Parse("1e400"),
        3 => JsonValue.Create(-1),
        4 => JsonValue.Create(2147483648L),
        5 => JsonValue.Create(""),
        6 => JsonValue.Create(new string('z', 10_000)),
        7 => JsonNode.Parse(new string('[', 60) + new string(']', 60)),
        8 => JsonNode.Parse(new string('[', 200) + new string(']', 200), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 1000 }),
        9 => new JsonObject { ["a"] = new JsonArray(1, "two", null) },
        10 => JsonValue.Create(true),
        11 => JsonValue.Create(1.5),
        12 => JsonValue.Create("../../escape"),
        13 => new JsonArray(JsonValue.Create("x"), null),
        14 => JsonValue.Create("SIGKILL"),
        15 => JsonValue.Create(0),
        16 => JsonValue.Create(long.MinValue),
        17 => JsonNode.Parse("-0.0e-400"),
        18 => JsonValue.Create("\ud800"),
        19 => JsonValue.Create("/"),
        20 => JsonValue.Create("relative/path"),
        21 => new JsonObject(),
        22 => JsonValue.Create("all"),
        _ => JsonValue.Create(2),
    };

    private JsonNode Spec() => new JsonObject
    {
        ["name"] = Pick(Names),
        ["script"] = "/bin/sleep",
        ["command"] = "/bin/sleep",
        ["args"] = new JsonArray("600"),
        ["cwd"] = Pick(work, work, "/no/such/dir"),
        ["instances"] = Pick(1, 2),
        ["autoStart"] = _random.Next(2) == 0,
        ["killTimeoutMs"] = 1000,
        ["env"] = new JsonObject { ["A"] = "1" },
        ["restart"] = new JsonObject { ["maxRestarts"] = 2, ["minUptimeMs"] = 500 },
        ["logs"] = new JsonObject { ["time"] = true },
    };

    private JsonNode? DumpName() => Maybe(new JsonObject
    {
        ["name"] = Pick("fuzz", "fuzz2", Path.Combine(work, "dump.json"), "/no/such/dir/x.json", "x\0y", new string('n', 5000), "", "../../up", Path.Combine(work, "missing.json")),
    });

    private JsonNode Address() => new JsonObject
    {
        ["address"] = Pick("127.0.0.1:1", "akka.tcp://pbm@127.0.0.1:2", "nohost", "", "akka.tcp://x@:0", "127.0.0.1:999999", "\0", "[::1]:abc"),
    };

    private JsonNode ConsoleStart() => new JsonObject
    {
        ["script"] = Pick("/bin/sleep", "/no/such/script.js", "sleep", ""),
        ["name"] = Pick(Names),
        ["instances"] = Pick("1", "2", "max9", "0", "-1", "999999"),
        ["cwd"] = Pick(work, "/no/such/dir"),
        ["env"] = new JsonArray("A=1", "B"),
        ["args"] = new JsonArray("600"),
    };

    private string LogsQuery(bool follow) =>
        $"lines={Pick("0", "5", "15", "-1", "100001", "abc", "")}&target={Pick(Targets)}" +
        (follow ? "" : $"&stream={Pick("out", "err", "both", "")}&follow={Pick("false", "0", "no")}");

    private JsonNode? Maybe(JsonNode node) => _random.Next(4) == 0 ? null : node;

    private byte[] Huge()
    {
        var size = Pick(2 << 20, 5 << 20, (1 << 20) + 1);
        var bytes = new byte[size];
        Array.Fill(bytes, (byte)'x');
        "{\"name\":\""u8.CopyTo(bytes);
        return bytes;
    }

    private byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        _random.NextBytes(bytes);
        return bytes;
    }

    private byte[] Insert(byte[] bytes, byte[] what)
    {
        var at = bytes.Length == 0 ? 0 : _random.Next(bytes.Length);
        return [.. bytes[..at], .. what, .. bytes[at..]];
    }

    private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];
}
