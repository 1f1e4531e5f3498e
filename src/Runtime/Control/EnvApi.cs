using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Hosting;
using Pbm.Runtime.Supervision;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Control;

/// <summary>
/// GET /api/apps/{app|app:N}/env: what an instance runs with. A process running on this node is read from
/// /proc/PID/environ (the truth, PORT included); otherwise the environment is rebuilt from the spec the way a
/// process worker builds it.
/// </summary>
internal static class EnvApi
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/api/apps/{target}/env", async (string target, ActorRegistry registry, PbmSettings settings) =>
        {
            var colon = target.LastIndexOf(':');
            var app = colon > 0 ? target[..colon] : target;
            var index = 0;
            if (colon > 0 && !int.TryParse(target[(colon + 1)..], out index))
                return ControlApi.Error($"invalid instance id '{target}': expected app:N", 400);
            object answer;
            try
            {
                var master = await registry.GetAsync<MasterKey>();
                answer = await master.Ask<object>(new GetApp(app), settings.AskTimeout);
            }
            catch (AskTimeoutException)
            {
                return ControlApi.Error("the master did not answer in time", 504);
            }
            if (answer is Failed f) return ControlApi.Error(f.Error, f.Status);
            if (answer is not AppInfo info) return ControlApi.Error($"unexpected answer {answer.GetType().Name}", 500);
            if (index < 0 || index >= info.Spec.Instances)
                return ControlApi.Error($"unknown instance '{target}': {app} has instances 0 to {info.Spec.Instances - 1}", 404);
            var instance = info.Instances.FirstOrDefault(i => i.Index == index && i.Status != InstanceStatus.Disconnected);
            var live = instance?.Pid is { } pid && instance.Host == settings.NodeName ? InstanceEnvironment.OfProcess(pid) : null;
            var env = live ?? InstanceEnvironment.For(info.Spec, index, instance?.PrivatePort);
            var result = new InstanceEnv($"{app}:{index}", instance?.Pid, env, info.Spec.EnvOverrides.Keys.Order(StringComparer.Ordinal).ToList());
            return ControlApi.Json(result, PbmJsonContext.Default.InstanceEnv);
        });
    }
}
