using Pbm.Client;

namespace Pbm.Runtime.Hosting;

/// <summary>Facts about this daemon process for ping.</summary>
public sealed record DaemonInfo(PbmHome Home, DateTimeOffset StartedAt, string Version);
