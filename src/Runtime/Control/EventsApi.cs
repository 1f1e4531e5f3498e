using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Hosting;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Control;

/// <summary>
/// GET /api/events streams events as JSON lines until the client goes away: cluster membership as this node sees
/// it, and every change of an app or instance the master reports (apps added or removed; an instance's status,
/// host, pid or restart count), found by comparing the master's list every pbm.api.events-interval.
/// </summary>
internal static class EventsApi
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/api/events", async (HttpContext context, ActorSystem system, ActorRegistry registry, PbmSettings settings) =>
        {
            context.Response.ContentType = "application/x-ndjson";
            var ct = context.RequestAborted;
            var events = Channel.CreateUnbounded<PbmEvent>();
            var lines = Channel.CreateUnbounded<string>();
            var listener = system.ActorOf(Props.Create(() => new ClusterEventForwarder(lines.Writer)));
            var pump = Task.Run(async () =>
            {
                await foreach (var line in lines.Reader.ReadAllAsync(ct))
                    events.Writer.TryWrite(new PbmEvent(DateTimeOffset.UtcNow, "cluster", line[(line.IndexOf(' ') + 1)..]));
            }, ct);
            var poll = Task.Run(() => PollAsync(registry, settings, events.Writer, ct), ct);
            try
            {
                await context.Response.Body.FlushAsync(ct);
                await foreach (var e in events.Reader.ReadAllAsync(ct))
                {
                    await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(e, PbmJsonContext.Default.PbmEvent), ct);
                    await context.Response.Body.WriteAsync("\n"u8.ToArray(), ct);
                    await context.Response.Body.FlushAsync(ct);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The reader went away.
            }
            finally
            {
                listener.Tell(PoisonPill.Instance);
                lines.Writer.TryComplete();
                await Task.WhenAll(pump, poll).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });
    }

    private static async Task PollAsync(ActorRegistry registry, PbmSettings settings, ChannelWriter<PbmEvent> writer, CancellationToken ct)
    {
        var master = await registry.GetAsync<MasterKey>(ct);
        Dictionary<string, InstanceInfo>? last = null;
        HashSet<string>? lastApps = null;
        var decided = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await master.Ask<ListResult>(GetApps.Instance, settings.AskTimeout, ct);
                var now = DateTimeOffset.UtcNow;
                var apps = list.Apps.Select(a => a.Spec.Name).ToHashSet(StringComparer.Ordinal);
                var current = list.Apps.SelectMany(a => a.Instances).Where(i => i.Status != InstanceStatus.Disconnected)
                    .GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                if (last is not null && lastApps is not null)
                {
                    foreach (var app in apps.Except(lastApps).Order(StringComparer.Ordinal))
                        writer.TryWrite(new PbmEvent(now, "app", $"app {app} added") { App = app });
                    foreach (var app in lastApps.Except(apps).Order(StringComparer.Ordinal))
                        writer.TryWrite(new PbmEvent(now, "app", $"app {app} removed") { App = app });
                    foreach (var (id, i) in current.OrderBy(c => c.Key, StringComparer.Ordinal))
                    {
                        last.TryGetValue(id, out var before);
                        if (before is not null && before.Status == i.Status && before.Pid == i.Pid && before.Host == i.Host && before.Restarts == i.Restarts) continue;
                        var text = before is null ? $"{id} {i.Status} on {i.Host}" : $"{id} {before.Status} -> {i.Status} on {i.Host}";
                        if (i.Pid is { } pid) text += $" (pid {pid})";
                        writer.TryWrite(new PbmEvent(now, "instance", text) { App = i.App, Instance = id, Host = i.Host, Status = i.Status });
                    }
                    foreach (var a in list.Apps.Where(a => a.Autoscale is { Decisions.Count: > 0 }))
                        foreach (var d in a.Autoscale!.Decisions.Where(d => d.At > decided.GetValueOrDefault(a.Spec.Name)))
                            writer.TryWrite(new PbmEvent(d.At, "autoscale", $"autoscale {a.Spec.Name}: {d.From} -> {d.To}: {d.Reason}") { App = a.Spec.Name });
                    foreach (var id in last.Keys.Except(current.Keys).Order(StringComparer.Ordinal))
                        writer.TryWrite(new PbmEvent(now, "instance", $"{id} gone") { App = last[id].App, Instance = id, Host = last[id].Host, Status = "gone" });
                }
                else
                {
                    foreach (var i in current.Values.OrderBy(c => c.Id, StringComparer.Ordinal))
                        writer.TryWrite(new PbmEvent(now, "instance", $"{i.Id} {i.Status} on {i.Host}") { App = i.App, Instance = i.Id, Host = i.Host, Status = i.Status });
                }
                foreach (var a in list.Apps)
                    if (a.Autoscale is { Decisions: [.., var latest] }) decided[a.Spec.Name] = latest.At;
                last = current;
                lastApps = apps;
                await Task.Delay(settings.EventsInterval, ct);
            }
            catch (AskTimeoutException)
            {
                // The master is moving; the next round catches up.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
