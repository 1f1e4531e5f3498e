using Pbm.Client.Contracts;

namespace Pbm.Runtime.WebConsole;

/// <summary>
/// What GET /api/console/snapshots pushes every second: everything the console draws, in one consistent read.
/// <see cref="Error"/> says in words why a part is missing (the master did not answer in time...).
/// </summary>
public sealed record ConsoleSnapshot(
    string Node, string Version, DateTimeOffset At, ListResult? Apps, IReadOnlyList<HostInfo>? Hosts, ClusterInfo Cluster, string? Error);

/// <summary>Body of POST /api/console/start: the start form, resolved on the daemon's host as `pbm start` would there.</summary>
public sealed record ConsoleStartRequest(
    string Script, string? Name = null, string? Instances = null, int? Port = null, string? Cwd = null,
    IReadOnlyList<string>? Env = null, IReadOnlyList<string>? Args = null);

/// <summary>Body of POST /api/console/deploy: the directory of the app's new version on the daemon's host.</summary>
public sealed record ConsoleDeployRequest(string App, string Path, int Parallel = 1);
