using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Control;
using Pbm.Runtime.Hosting;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.WebConsole;

/// <summary>
/// GET /api/console/snapshots: Server-Sent Events, one <see cref="ConsoleSnapshot"/> per pbm.console.snapshot-interval
/// (apps with their instances and rollouts, hosts with their load, cluster members) until the client goes away.
/// Whole snapshots rather than deltas: a few KB a second per console, and a client that missed one loses nothing.
/// A part the master cannot give in time is left out with the reason in words; the stream goes on.
/// </summary>
internal static class SnapshotsEndpoint
{
    private static readonly IReadOnlyDictionary<string, string> NoEnv = new Dictionary<string, string>();

    public static void Map(IEndpointRouteBuilder api, DaemonInfo info)
    {
        api.MapGet("/api/console/snapshots", async (HttpContext context, ActorSystem system, ActorRegistry registry, PbmSettings settings) =>
        {
            var console = ConsoleSettings.From(system.Settings.Config);
            var response = context.Response;
            // Fires when the console goes away, and when the daemon stops (EndStreamsOnShutdown).
            var ct = context.RequestAborted;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            using var timer = new PeriodicTimer(console.SnapshotInterval);
            try
            {
                // Tell EventSource-style clients how soon to come back after a drop.
                await response.WriteAsync($"retry: {(int)console.SnapshotInterval.TotalMilliseconds * 2}\n\n", ct);
                do
                {
                    var snapshot = await TakeAsync(system, registry, settings, info, console.SnapshotInterval);
                    var json = JsonSerializer.Serialize(snapshot, ConsoleJsonContext.Default.ConsoleSnapshot);
                    await response.WriteAsync(new StringBuilder("event: snapshot\ndata: ").Append(json).Append("\n\n").ToString(), ct);
                    await response.Body.FlushAsync(ct);
                } while (await timer.WaitForNextTickAsync(ct));
            }
            catch (OperationCanceledException)
            {
                // The console closed or switched cluster.
            }
            catch (IOException)
            {
            }
        });
    }

    public static async Task<ConsoleSnapshot> TakeAsync(ActorSystem system, ActorRegistry registry, PbmSettings settings, DaemonInfo info, TimeSpan budget)
    {
        // Never wait much longer than one tick: a slow master shows as a stale-data message, not a frozen page.
        var timeout = budget < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : budget;
        var errors = new List<string>();
        ListResult? apps = null;
        IReadOnlyList<HostInfo>? hosts = null;
        try
        {
            var master = await registry.GetAsync<MasterKey>();
            var appsTask = master.Ask<object>(GetApps.Instance, timeout);
            var hostsTask = master.Ask<object>(GetHosts.Instance, timeout);
            try
            {
                apps = await appsTask switch
                {
                    // Specs go without their environment: a few KB less every second, and secrets stay off the wire.
                    ListResult l => l with { Apps = l.Apps.Select(a => a with { Spec = a.Spec with { Env = NoEnv } }).ToList() },
                    Failed f => Fail<ListResult>(errors, f.Error),
                    var other => Fail<ListResult>(errors, $"unexpected answer {other.GetType().Name}"),
                };
            }
            catch (AskTimeoutException)
            {
                errors.Add("the master did not answer in time");
            }
            try
            {
                hosts = await hostsTask is Hosts h ? h.List : null;
            }
            catch (AskTimeoutException)
            {
                if (apps is not null) errors.Add("the master did not list the hosts in time");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            errors.Add($"the master is not reachable: {e.Message}");
        }
        return new ConsoleSnapshot(settings.NodeName, info.Version, DateTimeOffset.UtcNow, apps, hosts, ClusterApi.Snapshot(system),
            errors.Count == 0 ? null : string.Join("; ", errors));
    }

    private static T? Fail<T>(List<string> errors, string error) where T : class
    {
        errors.Add(error);
        return null;
    }
}
