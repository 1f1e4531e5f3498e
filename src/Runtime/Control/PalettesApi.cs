using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Palettes;
using static Pbm.Runtime.Palettes.PaletteProtocol;

namespace Pbm.Runtime.Control;

/// <summary>
/// GET /api/palettes: the command palettes every reachable node registered (pbm discovers them at connect time).
/// POST /api/palettes/{palette}/{command}: runs a command on the handler of a node that registered the palette.
/// </summary>
internal static class PalettesApi
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/api/palettes", async (ActorRegistry registry, PbmSettings settings) =>
        {
            var directory = await registry.GetAsync<PaletteDirectoryKey>();
            try
            {
                var all = await directory.Ask<AllPalettes>(ListAll.Instance, settings.PaletteGatherTimeout + TimeSpan.FromSeconds(2), ControlApi.StoppingToken);
                return Results.Json(all.Palettes.ToList(), PbmJsonContext.Default.ListPaletteInfo);
            }
            catch (AskTimeoutException)
            {
                return ControlApi.Error("the palette directory did not answer in time", 504);
            }
            catch (OperationCanceledException)
            {
                return ControlApi.StoppingAnswer();
            }
        });
        api.MapPost("/api/palettes/{palette}/{command}", async (string palette, string command, HttpRequest request, ActorRegistry registry, PbmSettings settings) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.PaletteRequest, "palette request");
            if (bad is not null) return bad;
            var directory = await registry.GetAsync<PaletteDirectoryKey>();
            var timeout = settings.PaletteCommandTimeout + settings.PaletteGatherTimeout * 2;
            Executed done;
            try
            {
                done = await directory.Ask<Executed>(new Execute(palette, command, body?.Arguments ?? new Dictionary<string, string>()), timeout, ControlApi.StoppingToken);
            }
            catch (AskTimeoutException)
            {
                return ControlApi.Error($"{palette} {command}: no answer within {timeout.TotalSeconds:0} s", 504);
            }
            catch (OperationCanceledException)
            {
                return ControlApi.StoppingAnswer();
            }
            return done.Status == 200
                ? Results.Json(new PaletteResult(done.Output, done.Success, done.Node), PbmJsonContext.Default.PaletteResult)
                : ControlApi.Error(done.Output, done.Status);
        });
    }
}
