using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
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
/// The cluster palette Akka.NET users know from Petabridge.Cmd (`cluster show`, `join`, `leave`, `down`,
/// `down-unreachable`, `tail`), `pbm hosts` and `actor hierarchy`, answered by the node that is asked.
/// </summary>
internal static class ClusterApi
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/api/cluster", (ActorSystem system) => Results.Json(Snapshot(system), PbmJsonContext.Default.ClusterInfo));
        api.MapPost("/api/cluster/join", (ActorSystem system, HttpRequest r) => WithAddress(system, r, a =>
        {
            Cluster.Get(system).Join(a);
            return $"joining {a}";
        }));
        api.MapPost("/api/cluster/leave", (ActorSystem system, HttpRequest r) => WithAddress(system, r, a =>
        {
            Cluster.Get(system).Leave(a);
            return $"{a} is leaving";
        }));
        api.MapPost("/api/cluster/down", (ActorSystem system, HttpRequest r) => WithAddress(system, r, a =>
        {
            Cluster.Get(system).Down(a);
            return $"{a} marked down";
        }));
        api.MapPost("/api/cluster/down-unreachable", (ActorSystem system) =>
        {
            var cluster = Cluster.Get(system);
            var downed = cluster.State.Unreachable.Select(m => m.Address).ToList();
            foreach (var a in downed) cluster.Down(a);
            return Results.Json(new OperationResult(downed.Count == 0 ? "no unreachable members" : $"marked down {string.Join(", ", downed)}", []),
                PbmJsonContext.Default.OperationResult);
        });
        api.MapGet("/api/cluster/tail", async (ActorSystem system, HttpContext context) =>
        {
            context.Response.ContentType = "application/x-ndjson";
            var channel = Channel.CreateUnbounded<string>();
            var listener = system.ActorOf(Props.Create(() => new ClusterEventForwarder(channel.Writer)));
            try
            {
                await foreach (var line in channel.Reader.ReadAllAsync(context.RequestAborted))
                {
                    await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                listener.Tell(PoisonPill.Instance);
            }
        });
        api.MapGet("/api/hosts", async (ActorRegistry registry, PbmSettings settings) =>
        {
            var master = await registry.GetAsync<MasterKey>();
            try
            {
                var hosts = await master.Ask<Hosts>(GetHosts.Instance, settings.AskTimeout + TimeSpan.FromSeconds(1));
                return Results.Json(hosts.List.ToList(), PbmJsonContext.Default.ListHostInfo);
            }
            catch (AskTimeoutException)
            {
                return Results.Json(new ApiError("the master did not answer in time"), PbmJsonContext.Default.ApiError, statusCode: 504);
            }
        });
        api.MapGet("/api/actors", async (ActorSystem system, PbmSettings settings, int? depth) =>
        {
            var paths = await ActorHierarchy.CollectAsync(system, Math.Clamp(depth ?? 4, 1, 10));
            return Results.Json(new ActorTree(settings.NodeName, paths), PbmJsonContext.Default.ActorTree);
        });
    }

    internal static ClusterInfo Snapshot(ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.Concat(state.Unreachable.Where(u => !state.Members.Contains(u)))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new ClusterMemberInfo(m.Address.ToString(), m.Roles.Order().ToList(), m.Status.ToString(),
                !unreachable.Contains(m.Address), Equals(state.Leader, m.Address), Equals(m.Address, cluster.SelfAddress)))
            .ToList();
        return new ClusterInfo(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members);
    }

    private static async Task<IResult> WithAddress(ActorSystem system, HttpRequest request, Func<Address, string> act)
    {
        var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.ClusterAddressRequest, "address request");
        if (bad is not null) return bad;
        if (body?.Address is not { Length: > 0 } text)
            return Results.Json(new ApiError("missing address: -a akka.tcp://pbm@HOST:PORT (or HOST:PORT)"), PbmJsonContext.Default.ApiError, statusCode: 400);
        Address address;
        try
        {
            // HOST:PORT in this node's own protocol (akka.ssl.tcp with Akka.Remote over TLS).
            address = Address.Parse(ClusterBootstrap.SeedAddress(text, Cluster.Get(system).SelfAddress.Protocol));
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            return Results.Json(new ApiError($"invalid address '{text}': expected akka.tcp://pbm@HOST:PORT or HOST:PORT"), PbmJsonContext.Default.ApiError, statusCode: 400);
        }
        return Results.Json(new OperationResult(act(address), []), PbmJsonContext.Default.OperationResult);
    }
}
