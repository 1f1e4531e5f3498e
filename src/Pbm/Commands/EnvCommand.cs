using System.Text.Json;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Commands;

/// <summary>pbm env APP[:N]: the variables an instance runs with, KEY=VALUE sorted, as env(1) prints them.</summary>
internal static class EnvCommand
{
    public static async Task<int> RunAsync(Context c)
    {
        var target = Handlers.OneTarget(c, "env");
        var env = await c.CallAsync(cl => cl.EnvAsync(target));
        if (c.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(env, PbmJsonContext.Indented.InstanceEnv));
            return 0;
        }
        foreach (var (key, value) in env.Env.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.Out.WriteLine($"{key}={value}");
        return 0;
    }
}
