namespace Pbm.Client.Contracts;

/// <summary>The statuses an instance can be in, as strings on the wire.</summary>
public static class InstanceStatus
{
    public const string Launching = "launching";
    /// <summary>No host can run it right now (none registered, or none allowed by --hosts / --max-per-host).</summary>
    public const string Pending = "pending";
    /// <summary>Placed on a host that did not answer the list (dying or cut off); the master decides once it is downed.</summary>
    public const string Unknown = "unknown";
    public const string Online = "online";
    /// <summary>Running, but failing its health check (--health): out of the gateway's rotation, restarted after --health-failures in a row.</summary>
    public const string Unhealthy = "unhealthy";
    public const string WaitingRestart = "waiting-restart";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";
    public const string Errored = "errored";
    /// <summary>Out of the gateway and not restarted, kept running for inspection (pbm disconnect).</summary>
    public const string Disconnected = "disconnected";
}
