using System.Globalization;
using Pbm.Client;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// A clustered host agent whose previous daemon died without stopping (kill -9, OOM killer, a crash) waits before
/// its actor system starts, so the seed has removed that old incarnation before the new one dials it.
/// </summary>
/// <remarks>
/// <para>
/// The bug this avoids (bench/cluster/rejoin.sh: lighthouse + 3 workers, two killed -9 and restarted on the same
/// ports 0.5 s later): 2 of 6 rounds on a quiet machine (1 in 6 under load) left a restarted node unjoined for good. The
/// seed logs "Received InitJoin ... Sending InitJoinAck" every 2 s, the node "Couldn't join seed nodes after [N]
/// attempts"; the acks never arrive, even after the seed has removed the old member (seen for 30 s+, round logs in
/// the commit message). Every failing round has the same signature on the seed: "Removing receive buffers for
/// [seed]->[node]" (the old incarnation's <c>ReliableDeliverySupervisor</c> stopping) a few ms before the new
/// incarnation's first InitJoin. That is Akka.Remote classic's <c>EndpointManager.HandleInboundAssociation</c>
/// taking its <c>Pass pWithUid</c> branch with a different UID: the writable endpoint for the address still belonged
/// to the old incarnation (its supervisor gated after the disassociation, not yet stopped), so the manager stops it,
/// quarantines the old UID and registers a new endpoint for the inbound handle in the same message; the old
/// supervisor's <c>PostStop</c> then removes the <c>_receiveBuffers</c> entry of the <c>Link(seed, node)</c> it shared
/// with the new one. Whatever part of that hand-over loses the replies, it is the race between the new incarnation's
/// association and the old endpoint's teardown: in the rounds where the node rejoined, the old endpoint had already
/// failed on its own ("Tried to associate with unreachable remote address", so the address was Gated) or had been
/// quarantined when the cluster removed the old member, and the new association got a fresh endpoint.
/// </para>
/// <para>
/// Restarting after the seed removed the old incarnation never showed the bug (the full-restart test in
/// ClusterTests already relied on it, and rejoin.sh with DELAY=7 s: see the commit). The daemon cannot ask the
/// cluster before joining it, and a running actor system with seeds configured joins at once (ClusterCoreDaemon's
/// PreStart sends itself JoinSeedNodes whenever akka.cluster.seed-nodes is non-empty; no setting suppresses that),
/// so the daemon waits before starting the actor system at all, its remoting port closed: during the wait the seed's
/// old endpoint can only fail (connection refused), <see cref="DeadNodeDowner"/> downs the old member, and the
/// leader removes it, which quarantines its UID and stops its endpoint. The wait is how long that removal takes:
/// the failure detector's heartbeat-interval + acceptable-heartbeat-pause (the removed member must be unreachable),
/// the Split Brain Resolver's stable-after when down-refused-nodes is off, down-removal-margin, and 2 s for gossip
/// and leader ticks under load: 7 s with pbm's defaults (the seed removed the old member 5.5-6.1 s after the kill in
/// the measured rounds). A restarted node was never Up sooner than that anyway: the seed answers the new
/// incarnation's Join only once the old one is removed.
/// </para>
/// <para>
/// "Died without stopping" is read from PBM_HOME/daemon.pid: a daemon deletes it when it stops, and this daemon holds
/// the home's lock (one daemon per home), so a pid file found now was left by a daemon that is gone. A pid file older
/// than the machine's boot needs no wait (the old member has long been removed). pbm.cluster.crash-rejoin-delay
/// overrides the computed wait (off: none).
/// </para>
/// </remarks>
public static class CrashRejoinDelay
{
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    /// <summary>The wait before this node's actor system starts, or null when there is no reason to wait.</summary>
    public static TimeSpan? For(PbmHome home, ClusterBootstrap bootstrap, DaemonRole role, Akka.Configuration.Config config)
    {
        if (!bootstrap.Clustered || role != DaemonRole.Worker) return null;
        if (!File.Exists(home.DaemonPidFile)) return null;
        if (BootTime() is { } boot && File.GetLastWriteTimeUtc(home.DaemonPidFile) < boot) return null;
        return Configured(config);
    }

    /// <summary>pbm.cluster.crash-rejoin-delay: "auto" (the default) computes it from the cluster settings, off is none.</summary>
    public static TimeSpan? Configured(Akka.Configuration.Config config)
    {
        var text = config.GetString("pbm.cluster.crash-rejoin-delay", "auto");
        if (text is "off" or "false" or "no") return null;
        if (text != "auto")
        {
            var value = config.GetTimeSpan("pbm.cluster.crash-rejoin-delay");
            return value > TimeSpan.Zero ? value : null;
        }
        var wait = config.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval", TimeSpan.FromSeconds(1))
                   + config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause", TimeSpan.FromSeconds(3))
                   + config.GetTimeSpan("akka.cluster.down-removal-margin", TimeSpan.Zero)
                   + Slack;
        if (!config.GetBoolean("pbm.cluster.down-refused-nodes", true))
            wait += config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after", TimeSpan.FromSeconds(20));
        return wait;
    }

    private static DateTime? BootTime()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/stat"))
                if (line.StartsWith("btime ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var secs))
                    return DateTime.UnixEpoch.AddSeconds(secs);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
