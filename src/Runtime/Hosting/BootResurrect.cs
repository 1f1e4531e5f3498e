using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using Pbm.Client.Contracts;
using Pbm.Runtime.Master;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// pbm daemon --resurrect (the systemd unit of pbm startup): once the master is ready, start the apps of
/// PBM_HOME/dump.json it does not already know. The daemon's own desired state comes back anyway; this brings
/// back what `pbm save` recorded even after a `pbm kill`, as PM2's resurrect at boot does.
/// </summary>
internal static class BootResurrect
{
    /// <summary>Runs <see cref="RunAsync"/> in the background; it logs its own outcome.</summary>
    public static void Start(ActorRegistry registry, Config.PbmSettings settings, string dump, ILogger log, CancellationToken stopping) =>
        Task.Run(() => RunAsync(registry, settings, dump, log, stopping), stopping);

    public static async Task RunAsync(ActorRegistry registry, Config.PbmSettings settings, string dump, ILogger log, CancellationToken stopping)
    {
        if (!File.Exists(dump))
        {
            log.LogInformation("resurrect: no dump at {Dump}; nothing to add", dump);
            return;
        }
        try
        {
            var master = await registry.GetAsync<MasterKey>(stopping).ConfigureAwait(false);
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!stopping.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                var readiness = await master.Ask<Messages.MasterProtocol.Readiness>(Messages.MasterProtocol.GetReadiness.Instance, TimeSpan.FromSeconds(5), stopping).ConfigureAwait(false);
                if (readiness.Ready) break;
                await Task.Delay(100, stopping).ConfigureAwait(false);
            }
            // Answered once the hosts started the apps, or at command-wait while they still start.
            var answer = await master.Ask<object>(new Resurrect(dump), Control.ControlApi.CommandTimeout(settings), stopping).ConfigureAwait(false);
            if (answer is DumpResult result)
            {
                log.LogInformation("resurrect: started {Apps} from {Dump}", string.Join(", ", result.Apps), dump);
                foreach (var left in result.Warnings) log.LogWarning("resurrect from {Dump}: {Problem}", dump, left);
            }
            else if (answer is Failed failed) log.LogWarning("resurrect from {Dump} failed: {Error}", dump, failed.Error);
        }
        catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
        {
            log.LogWarning("resurrect from {Dump} did not complete: {Error}", dump, e.Message);
        }
    }
}
