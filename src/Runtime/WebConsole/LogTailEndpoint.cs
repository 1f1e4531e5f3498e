using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Pbm.Client.Contracts;
using Pbm.Runtime.Hosting;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.WebConsole;

/// <summary>
/// GET /api/console/logs?target=APP|APP:N&amp;lines=N&amp;follow=true&amp;stream=out|err: the console's fallback log
/// tail, same query and JSON lines as GET /api/logs (the log bus), which the console prefers when the node has it.
/// It reads this node's PBM_HOME/logs files: the last N lines, then (follow) what is appended, polled every
/// pbm.console.log-poll-interval; an app's new instances (scale up) are picked up as they appear. Lines of
/// instances on other hosts are not seen here: that is what the log bus is for.
/// </summary>
internal static class LogTailEndpoint
{
    private const int TailBytes = 256 * 1024;

    public static void Map(IEndpointRouteBuilder api, DaemonInfo info)
    {
        api.MapGet("/api/console/logs", async (HttpContext context, ActorSystem system, ActorRegistry registry, IHostApplicationLifetime lifetime) =>
        {
            var console = ConsoleSettings.From(system.Settings.Config);
            var q = context.Request.Query;
            var target = q["target"].FirstOrDefault() ?? q["app"].FirstOrDefault();
            if (string.IsNullOrWhiteSpace(target)) return ConsoleActions.Error("missing target: an app or an instance id (app:N)", 400);
            var linesText = q["lines"].FirstOrDefault() ?? "100";
            if (!int.TryParse(linesText, NumberStyles.None, CultureInfo.InvariantCulture, out var lines) || lines > console.MaxLogLines)
                return ConsoleActions.Error($"lines {linesText}: expected a number from 0 to {console.MaxLogLines}", 400);
            var stream = q["stream"].FirstOrDefault();
            if (stream is not (null or "out" or "err")) return ConsoleActions.Error($"stream {stream}: expected out or err", 400);
            var follow = q["follow"].FirstOrDefault() is "true" or "1";
            var streams = stream is null ? new[] { "out", "err" } : [stream];

            var (instances, error) = await InstancesAsync(registry, target);
            if (error is not null) return error;

            var response = context.Response;
            // Ends when the console closes the tail, and when the daemon stops (never holds up pbm kill).
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            var ct = stopping.Token;
            response.ContentType = "application/x-ndjson";
            response.Headers.CacheControl = "no-cache";
            var offsets = new Dictionary<string, long>();
            try
            {
                var tail = new List<ConsoleLogLine>();
                foreach (var (app, index) in instances)
                foreach (var s in streams)
                {
                    var path = LogPath(info, app, index, s);
                    var (read, end) = ReadTail(path, app, index, s, lines);
                    tail.AddRange(read);
                    offsets[path] = end;
                }
                foreach (var line in tail.OrderBy(l => l.At ?? DateTimeOffset.MinValue).TakeLast(lines)) await WriteAsync(response, line, ct);
                await response.Body.FlushAsync(ct);
                if (!follow) return Results.Empty;

                var isApp = !target.Contains(':', StringComparison.Ordinal);
                var nextResolve = DateTime.UtcNow.AddSeconds(2);
                using var timer = new PeriodicTimer(console.LogPollInterval);
                while (await timer.WaitForNextTickAsync(ct))
                {
                    if (isApp && DateTime.UtcNow >= nextResolve)
                    {
                        nextResolve = DateTime.UtcNow.AddSeconds(2);
                        if (await InstancesAsync(registry, target) is { Error: null } again) instances = again.Instances;
                    }
                    var wrote = false;
                    foreach (var (app, index) in instances)
                    foreach (var s in streams)
                    {
                        var path = LogPath(info, app, index, s);
                        foreach (var line in ReadNew(path, app, index, s, offsets))
                        {
                            await WriteAsync(response, line, ct);
                            wrote = true;
                        }
                    }
                    if (wrote) await response.Body.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException)
            {
                // The console closed the tail.
            }
            catch (IOException)
            {
            }
            return Results.Empty;
        });
    }

    private static string LogPath(DaemonInfo info, string app, int index, string stream) =>
        Path.Combine(info.Home.LogDir, $"{app}-{index}-{stream}.log");

    private static async Task<(List<(string App, int Index)> Instances, IResult? Error)> InstancesAsync(ActorRegistry registry, string target)
    {
        var master = await registry.GetAsync<MasterKey>();
        object answer;
        try
        {
            answer = await master.Ask<object>(new GetApp(target.Split(':')[0]), TimeSpan.FromSeconds(10));
        }
        catch (AskTimeoutException)
        {
            return ([], ConsoleActions.Error("the master did not answer in time", 504));
        }
        if (answer is Failed f) return ([], ConsoleActions.Error(f.Error, f.Status));
        if (answer is not AppInfo app) return ([], ConsoleActions.Error($"unexpected answer {answer.GetType().Name}", 500));
        var all = Enumerable.Range(0, app.Spec.Instances).Select(i => (app.Spec.Name, i))
            .Concat(app.Instances.Select(i => (i.App, i.Index))).Distinct().ToList();
        if (!target.Contains(':', StringComparison.Ordinal)) return (all, null);
        var wanted = all.Where(i => $"{i.Item1}:{i.Item2}" == target).ToList();
        return wanted.Count == 0 ? ([], ConsoleActions.Error($"unknown instance '{target}'", 404)) : (wanted, null);
    }

    private static (List<ConsoleLogLine> Lines, long End) ReadTail(string path, string app, int index, string stream, int lines)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var end = file.Length;
            var start = Math.Max(0, end - TailBytes);
            file.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[end - start];
            file.ReadExactly(buffer);
            var text = Encoding.UTF8.GetString(buffer);
            // Only whole lines: skip a line cut by the window, and leave a half-written last line for the next poll.
            var complete = text.LastIndexOf('\n');
            if (complete < 0) return ([], start);
            var body = text[..complete];
            if (start > 0 && body.IndexOf('\n') is var first and >= 0) body = body[(first + 1)..];
            var parsed = body.Split('\n').TakeLast(lines).Select(l => Parse(l, app, index, stream)).ToList();
            return (parsed, start + Encoding.UTF8.GetByteCount(text[..(complete + 1)]));
        }
        catch (FileNotFoundException)
        {
            return ([], 0);
        }
        catch (DirectoryNotFoundException)
        {
            return ([], 0);
        }
    }

    private static List<ConsoleLogLine> ReadNew(string path, string app, int index, string stream, Dictionary<string, long> offsets)
    {
        var offset = offsets.GetValueOrDefault(path);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length < offset) offset = 0; // flushed or rotated: start over
            if (file.Length == offset) return [];
            file.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[Math.Min(file.Length - offset, TailBytes)];
            file.ReadExactly(buffer);
            var complete = Array.LastIndexOf(buffer, (byte)'\n');
            if (complete < 0) return [];
            offsets[path] = offset + complete + 1;
            return Encoding.UTF8.GetString(buffer, 0, complete).Split('\n').Select(l => Parse(l, app, index, stream)).ToList();
        }
        catch (FileNotFoundException)
        {
            offsets[path] = 0;
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    /// <summary>InstanceLog writes "2026-01-01T10:00:00.000+00:00 the line"; a line without the stamp is kept whole.</summary>
    private static ConsoleLogLine Parse(string line, string app, int index, string stream)
    {
        var space = line.IndexOf(' ');
        if (space > 0 && DateTimeOffset.TryParseExact(line[..space], "yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return new ConsoleLogLine(app, index, stream, at, line[(space + 1)..]);
        return new ConsoleLogLine(app, index, stream, null, line);
    }

    private static Task WriteAsync(HttpResponse response, ConsoleLogLine line, CancellationToken ct) =>
        response.WriteAsync(JsonSerializer.Serialize(line, ConsoleJsonContext.Default.ConsoleLogLine) + "\n", ct);
}
