using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pbm.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pbm.Integration.Tests.Control;

/// <summary>
/// Random and mutated requests to every control API endpoint (<see cref="ApiFuzz"/>): bodies, methods, content types,
/// sizes, encodings, nulls, NULs, huge numbers, wrong types, deep nesting. Every answer must be a 2xx or a 4xx with
/// words (a 4xx has a JSON "error" with text), within 5 s; the daemon must stay one process under 200 MB that answers
/// `pbm ping` within 1 s. Seeded: the seed is in every failure message, PBM_FUZZ_SEED replays it (PBM_FUZZ_REQUESTS
/// changes the count).
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A rollout (reload, rollback, deploy, restart --update-env) answers once every instance was replaced and ran
    /// its min-uptime: legitimately longer than <see cref="Limit"/> for two instances on a loaded machine.
    /// </summary>
    private static readonly TimeSpan RolloutLimit = TimeSpan.FromSeconds(30);
    private const long MaxRssMb = 200;

    [Fact]
    public async Task RandomAndMutatedRequests_AreAllAnsweredWithWords_AndTheDaemonStaysWell()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PBM_FUZZ_SEED"), out var s) ? s : Random.Shared.Next();
        var count = int.TryParse(Environment.GetEnvironmentVariable("PBM_FUZZ_REQUESTS"), out var n) ? n : 2000;
        output.WriteLine($"seed {seed} (PBM_FUZZ_SEED={seed} replays it), {count} requests");

        await using var box = new Sandbox();
        // Public ports on loopback only, should a request ever give a valid one.
        await File.WriteAllTextAsync(Path.Combine(box.Home, "pbm.hocon"), "pbm.gateway.bind = \"127.0.0.1\"\n");
        using var api = await RawApi.StartAsync(box);
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "fz", "-i", "2");
        await box.OkAsync("save");
        var daemon = Sandbox.DaemonPid(box.Home);
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { Timeout = Timeout.InfiniteTimeSpan };

        var fuzz = new ApiFuzz(seed, box.Work);
        var requests = Enumerable.Range(1, count).Select(i => fuzz.Next(i, api.Token)).ToList();
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        long maxRss = 0;
        var maxLatency = TimeSpan.Zero;
        var maxRollout = TimeSpan.Zero;
        var slowest = "";
        var watch = Stopwatch.StartNew();

        // One request at a time: a seed then replays exactly the same run. (Concurrent requests also find races in
        // the actors, such as a delete during a rollout; that is not what this test is for.)
        foreach (var request in requests)
        {
            var (status, latency, problem) = await SendAsync(http, api.BaseAddress, request);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (problem is not null) failures.Add($"{problem}: {request}");
            if (request.Rollout) maxRollout = latency > maxRollout ? latency : maxRollout;
            else if (latency > maxLatency) (maxLatency, slowest) = (latency, request.ToString());
            maxRss = Math.Max(maxRss, RssMb(daemon));
            if (request.Number % 500 == 0) await CheckPingAsync(box, failures, $"after request {request.Number}");
        }
        await CheckPingAsync(box, failures, "at the end");
        maxRss = Math.Max(maxRss, RssMb(daemon));

        var summary = $"seed {seed}: {count} requests in {watch.Elapsed.TotalSeconds:0.0} s; statuses {string.Join(", ", statuses.Select(kv => $"{kv.Key}×{kv.Value}"))}; " +
                      $"max daemon RSS {maxRss} MB; max latency {maxLatency.TotalMilliseconds:0} ms ({slowest[..Math.Min(200, slowest.Length)]}), " +
                      $"of a rollout {maxRollout.TotalMilliseconds:0} ms";
        output.WriteLine(summary);
        Assert.True(ProcessTable.Alive(daemon) && Sandbox.DaemonPid(box.Home) == daemon, $"the daemon {daemon} died or was replaced; {summary}");
        Assert.True(maxRss < MaxRssMb, $"daemon RSS reached {maxRss} MB; {summary}");
        Assert.True(failures.Count == 0, $"{failures.Count} bad answers (PBM_FUZZ_SEED={seed} replays them):\n{string.Join("\n", failures.Take(30))}\n{summary}");
    }

    /// <summary>Sends one request; its status, the time to its answer, and what is wrong with the answer (null: nothing).</summary>
    private static async Task<(int Status, TimeSpan Latency, string? Problem)> SendAsync(HttpClient http, string baseAddress, ApiFuzz.Request r)
    {
        using var message = new HttpRequestMessage(new HttpMethod(r.Method), baseAddress + r.Path);
        if (r.Token is not null) message.Headers.TryAddWithoutValidation("Authorization", $"Bearer {r.Token}");
        if (r.Body is not null)
        {
            var bytes = r.Gzip ? Gzip(r.Body) : r.Body;
            HttpContent content = r.Chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
            if (r.ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", r.ContentType);
            if (r.Gzip) content.Headers.ContentEncoding.Add("gzip");
            message.Content = content;
        }
        var watch = Stopwatch.StartNew();
        var limit = r.Rollout ? RolloutLimit : Limit;
        using var cts = new CancellationTokenSource(limit);
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var status = (int)response.StatusCode;
            var headers = watch.Elapsed;
            if (r.Stream && status is >= 200 and < 300)
                return (status, headers, response.Content.Headers.ContentType is null ? "a stream without a content type" : null);
            var body = await response.Content.ReadAsStringAsync(cts.Token);
            // Kestrel refuses a request target holding an encoded NUL as malformed HTTP, with a bare 400 and the
            // connection closed, before any of pbm's code runs (dotnet/aspnetcore#4726): nothing pbm can add words to.
            if (status == 400 && body.Length == 0 && response.Headers.ConnectionClose == true && r.Path.Contains("%00", StringComparison.Ordinal))
                return (status, watch.Elapsed, null);
            return (status, watch.Elapsed, Judge(r, status, response.Content.Headers.ContentType?.MediaType, body));
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return (0, watch.Elapsed, $"no answer within {limit.TotalSeconds:0} s");
        }
        catch (HttpRequestException) when (r.Path.Contains("%00", StringComparison.Ordinal))
        {
            // Kestrel's refusal of an encoded NUL (below), met while the client was still sending a body.
            return (0, watch.Elapsed, null);
        }
        catch (HttpRequestException e)
        {
            return (0, watch.Elapsed, $"no answer: {e.Message} {e.InnerException?.Message}");
        }
    }

    private static string? Judge(ApiFuzz.Request r, int status, string? mediaType, string body)
    {
        if (status is < 200 or >= 500 || status is >= 300 and < 400) return $"status {status} ({Cut(body)})";
        if (r.Method == "HEAD" || status == 204) return null;
        if (status >= 400)
            return RawApi.ErrorOf(body) is { Length: > 0 } ? null : $"status {status} without an error in words: '{Cut(body)}'";
        if (mediaType is "text/plain" or "text/html" or "application/x-ndjson" or "text/event-stream") return null; // /metrics, the console page, log lines
        try
        {
            JsonDocument.Parse(body).Dispose();
            return null;
        }
        catch (JsonException)
        {
            return $"status {status} with a body that is not JSON ({mediaType}): '{Cut(body)}'";
        }
    }

    private static async Task CheckPingAsync(Sandbox box, List<string> failures, string when)
    {
        var watch = Stopwatch.StartNew();
        var ping = await box.RunAsync(TimeSpan.FromSeconds(10), "ping");
        var took = watch.Elapsed;
        if (ping.ExitCode != 0) failures.Add($"pbm ping failed {when}: {ping}");
        else if (took > TimeSpan.FromSeconds(1)) failures.Add($"pbm ping took {took.TotalMilliseconds:0} ms {when}");
    }

    private static long RssMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string Cut(string text) => text.Length > 200 ? text[..200] + "..." : text;

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>A body sent chunked: HttpClient gives no Content-Length for a stream that cannot tell its length.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
