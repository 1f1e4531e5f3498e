namespace Pbm.Client.Contracts;

/// <summary>
/// A health check that keeps running while an instance is online (liveness, as systemd's watchdog or a Kubernetes
/// liveness probe): a failed check takes the instance out of the gateway's rotation at once; <see cref="Failures"/>
/// failed checks in a row stop it, and the app's restart policy decides what follows. Setters, not init, where there
/// is a default: see <see cref="AppSpec"/>.
/// </summary>
public sealed record HealthCheckSpec
{
    /// <summary>"tcp" (the private port accepts), "http:/path" (GET answers 2xx), or "exec:COMMAND" (exits 0; run by /bin/sh in the app's cwd).</summary>
    public required string Check { get; init; }

    /// <summary>Time between two checks, in ms. Default 5000.</summary>
    public int IntervalMs { get; set; } = 5000;

    /// <summary>How long one check may take before it counts as failed, in ms. Default 2000.</summary>
    public int TimeoutMs { get; set; } = 2000;

    /// <summary>Failed checks in a row that restart the instance. Default 3.</summary>
    public int Failures { get; set; } = 3;
}
