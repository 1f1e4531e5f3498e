using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Hosting;
using Pbm.Runtime.Logs;
using Pbm.Runtime.Master;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Control;

/// <summary>
/// GET /api/logs streams log lines as JSON lines (application/x-ndjson): the last N lines of each instance, read
/// from the files and merged by time, then with follow=true every new line from the log bus until the client
/// goes away. Following is by app, not by process, so it goes on across restarts and scale-ups.
/// In a cluster the answering node asks every host's <see cref="LogServer"/> for its part (its files, its instances'
/// new lines) and merges them; each line then names its host.
/// POST /api/logs/flush empties log files (on every host, in a cluster).
/// </summary>
internal static class LogsApi
{
    public const int MaxLines = 100_000;

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/api/logs", async (HttpContext context, ActorRegistry registry, PbmSettings settings, LogHub hub, ActorSystem system) =>
        {
            var q = context.Request.Query;
            var linesText = q["lines"].FirstOrDefault() ?? "15";
            if (!int.TryParse(linesText, out var lines) || lines < 0 || lines > MaxLines)
                return Error($"lines {linesText}: expected a number from 0 to {MaxLines}", 400);
            var stream = q["stream"].FirstOrDefault();
            if (stream is not (null or "out" or "err")) return Error($"stream {stream}: expected out or err", 400);
            var follow = q["follow"].FirstOrDefault() is "true" or "1";
            var target = q["target"].FirstOrDefault();

            var (instances, app, index, error) = await ResolveAsync(registry, settings, target);
            if (error is not null) return error;

            var streams = stream is null ? new[] { "out", "err" } : [stream];
            List<LogEntry> tail;
            System.Threading.Channels.ChannelReader<LogEntry>? followed;
            IDisposable? source;
            if (!Clustered(system))
            {
                // Subscribe before reading the files: a line written in between is then seen (at worst twice), never missed.
                var subscription = follow ? hub.Subscribe(app, index, stream) : null;
                source = subscription;
                followed = subscription?.Lines;
                tail = [];
                var read = new HashSet<string>(StringComparer.Ordinal); // files shared by instances (merge_logs) are read once
                foreach (var (a, i) in instances)
                {
                    // The last N lines of the instance, whichever stream they came from.
                    var mine = streams.Select(s => (s, Path: s == "out" ? hub.OutPath(a, i) : hub.ErrPath(a, i)))
                        .Where(x => read.Add(x.Path))
                        .SelectMany(x => LogTail.Read(x.Path, a, i, x.s, lines)).ToList();
                    tail.AddRange(mine.Count <= lines ? mine : ByTime(mine).Skip(mine.Count - lines));
                }
            }
            else
            {
                // Every host serves its own files and instances; an instance that moved has lines on several hosts.
                var reader = new ClusterLogReader(system, new LogProtocol.ReadLogs(instances.Select(x => new LogProtocol.LogTarget(x.App, x.Index)).ToList(),
                    streams, lines, follow, app, index, stream, ActorRefs.Nobody), TailTimeout(settings));
                source = reader;
                followed = follow ? reader.Lines : null;
                var (all, _) = await reader.TailAsync;
                tail = all.GroupBy(e => (e.App, e.Index))
                    .SelectMany(g => g.Count() <= lines ? g : ByTime(g.ToList()).Skip(g.Count() - lines))
                    .ToList();
            }
            using var _ = source;
            var merged = ByTime(tail);
            var lastSeen = new Dictionary<(string?, string, int, string), DateTimeOffset>();
            foreach (var e in merged)
                if (e.At is { } at) lastSeen[(e.Host, e.App, e.Index, e.Stream)] = at;

            context.Response.ContentType = "application/x-ndjson";
            var body = context.Response.Body;
            var ct = context.RequestAborted;
            try
            {
                foreach (var e in merged) await WriteAsync(body, e, ct);
                await body.FlushAsync(ct);
                if (followed is null) return Results.Empty;
                var reader = followed;
                while (await reader.WaitToReadAsync(ct))
                {
                    while (reader.TryRead(out var e))
                    {
                        // Skip what the tail already showed (times are kept to the ms in files).
                        if (e.At is { } at && lastSeen.TryGetValue((e.Host, e.App, e.Index, e.Stream), out var seen) &&
                            at.ToUnixTimeMilliseconds() < seen.ToUnixTimeMilliseconds())
                            continue;
                        await WriteAsync(body, e, ct);
                    }
                    await body.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException)
            {
                // The follower went away (Ctrl+C).
            }
            catch (IOException)
            {
            }
            return Results.Empty;
        });

        api.MapPost("/api/logs/flush", async (HttpContext context, ActorRegistry registry, LogHub hub, ActorSystem system, PbmSettings settings) =>
        {
            var target = context.Request.Query["target"].FirstOrDefault();
            var (_, app, index, error) = await ResolveAsync(registry, settings, target);
            if (error is not null) return error;
            var files = Clustered(system) ? await FlushEverywhereAsync(system, app, index, TailTimeout(settings)) : hub.Flush(app, index);
            var what = target is null or "all" ? "every app" : target;
            return Results.Json(new OperationResult($"flushed the logs of {what} ({files} files emptied)", []), PbmJsonContext.Default.OperationResult);
        });
    }

    /// <summary>The instances a target names (every app's when null or "all"), through the master, which knows the apps.</summary>
    private static async Task<(List<(string App, int Index)> Instances, string? App, int? Index, IResult? Error)> ResolveAsync(
        ActorRegistry registry, PbmSettings settings, string? target)
    {
        object answer;
        Target parsed = default;
        if (target is not null && target != "all" && !Target.TryParse(target, out parsed, out var problem))
            return ([], null, null, Error(problem!, 400));
        try
        {
            var master = await registry.GetAsync<MasterKey>();
            answer = target is null or "all"
                ? await master.Ask<object>(GetApps.Instance, settings.AskTimeout)
                : await master.Ask<object>(new GetApp(target), settings.AskTimeout);
        }
        catch (AskTimeoutException)
        {
            return ([], null, null, Error("the master did not answer in time", 504));
        }
        switch (answer)
        {
            case Failed f:
                return ([], null, null, Error(f.Error, f.Status));
            case ListResult list:
                return (list.Apps.SelectMany(a => Enumerable.Range(0, a.Spec.Instances).Select(i => (a.Spec.Name, i))).ToList(), null, null, null);
            case AppInfo app:
                var indices = parsed.Index is { } one ? [one] : Enumerable.Range(0, app.Spec.Instances).ToList();
                return (indices.Select(i => (app.Spec.Name, i)).ToList(), app.Spec.Name, parsed.Index, null);
            default:
                return ([], null, null, Error($"unexpected answer {answer.GetType().Name}", 500));
        }
    }

    /// <summary>A node of a multi-host cluster: logs live on every host, each host's log server serves its own.</summary>
    private static bool Clustered(ActorSystem system) => system.Settings.Config.GetStringList("akka.cluster.seed-nodes", []).Count > 0;

    /// <summary>How long the tail waits for a host (as pbm list does: a dying host must not hold the answer).</summary>
    private static TimeSpan TailTimeout(PbmSettings settings) => settings.AskTimeout < TimeSpan.FromSeconds(5) ? settings.AskTimeout : TimeSpan.FromSeconds(5);

    /// <summary>pbm flush in a cluster: every reachable host empties its own files of the target.</summary>
    private static async Task<int> FlushEverywhereAsync(ActorSystem system, string? app, int? index, TimeSpan timeout)
    {
        var state = Akka.Cluster.Cluster.Get(system).State;
        var asks = state.Members.Where(m => m.HasRole("host") && m.Status == Akka.Cluster.MemberStatus.Up && !state.Unreachable.Contains(m))
            .Select(m => system.ActorSelection(new RootActorPath(m.Address) / "user" / LogServer.Name)
                .Ask<LogProtocol.LogsFlushed>(new LogProtocol.FlushLogs(app, index), timeout))
            .ToList();
        try
        {
            await Task.WhenAll(asks);
        }
        catch (Exception)
        {
            // A host that did not answer keeps its files; the others are counted.
        }
        return asks.Where(a => a.IsCompletedSuccessfully).Sum(a => a.Result.Files);
    }

    /// <summary>Sorted by time, stable (lines without time keep their file order, first).</summary>
    private static List<LogEntry> ByTime(List<LogEntry> entries) =>
        entries.Select((e, n) => (e, n)).OrderBy(x => x.e.At ?? DateTimeOffset.MinValue).ThenBy(x => x.n).Select(x => x.e).ToList();

    private static async Task WriteAsync(Stream body, LogEntry entry, CancellationToken ct)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, PbmJsonContext.Default.LogEntry);
        await body.WriteAsync(bytes, ct);
        await body.WriteAsync("\n"u8.ToArray(), ct);
    }

    private static IResult Error(string message, int status) =>
        Results.Json(new ApiError(message), PbmJsonContext.Default.ApiError, statusCode: status);
}
