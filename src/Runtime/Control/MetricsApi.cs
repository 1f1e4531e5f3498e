using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Hosting;
using Pbm.Runtime.Metrics;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Control;

/// <summary>GET /metrics: Prometheus text format. On TCP it needs the token like /api (see pbm.api.metrics-public).</summary>
internal static class MetricsApi
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/metrics", async (ActorRegistry registry, PbmSettings settings, IServiceProvider services) =>
        {
            ListResult list;
            try
            {
                var master = await registry.GetAsync<MasterKey>();
                list = await master.Ask<ListResult>(GetApps.Instance, settings.AskTimeout);
            }
            catch (AskTimeoutException)
            {
                return ControlApi.Error("the master did not answer in time", 504);
            }
            var gateway = services.GetService(typeof(Gateway.PbmGateway)) as Gateway.PbmGateway;
            return Results.Text(PrometheusExporter.Render(list, gateway?.Metrics, DateTimeOffset.UtcNow), PrometheusWriter.ContentType);
        });
    }
}
