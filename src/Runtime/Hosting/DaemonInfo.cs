using Pbm.Client;

namespace Pbm.Runtime.Hosting;

/// <summary>Facts about this daemon process for ping.</summary>
public sealed record DaemonInfo(PbmHome Home, DateTimeOffset StartedAt, string Version)
{
    /// <summary>The TCP address of the control API (and the web console): HOST:PORT, https://HOST:PORT with TLS, or null when TCP is off.</summary>
    public string? Api { get; init; }
}
