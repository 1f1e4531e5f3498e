using Pbm.Cli.Cli;
using Pbm.Client;

namespace Pbm.Cli.Commands;

/// <summary>pbm pid APP[:N]: one pid per running instance, for scripts (kill -USR2 $(pbm pid web)).</summary>
internal static class PidCommand
{
    public static async Task<int> RunAsync(Context c)
    {
        var target = Handlers.OneTarget(c, "pid");
        if (target == "all") throw new UsageException("pbm pid takes an app or an instance id, not 'all'");
        var colon = target.LastIndexOf(':');
        int? index = colon > 0 && int.TryParse(target[(colon + 1)..], out var n) ? n : null;
        var info = await c.CallAsync(cl => cl.ShowAsync(target));
        var pids = info.Instances
            .Where(i => (index is null || i.Index == index) && i.Pid is not null && i.Status != Client.Contracts.InstanceStatus.Disconnected)
            .Select(i => i.Pid!.Value).ToList();
        if (pids.Count == 0) throw new PbmException($"{target} has no running process");
        foreach (var pid in pids) Console.Out.WriteLine(pid);
        return 0;
    }
}
