namespace Pbm.Client.Contracts;

/// <summary>Answer of GET /api/apps/{id}/env: what an instance's process runs with.</summary>
/// <param name="Id">The instance, app:N.</param>
/// <param name="Pid">Its current process, if one runs.</param>
/// <param name="Env">The variables: the spec's environment, then PBM_APP, PBM_INSTANCE, PBM_ID, NODE_APP_INSTANCE and PORT.</param>
/// <param name="Overrides">The names given explicitly (--env, the app file), laid over the caller's environment.</param>
public sealed record InstanceEnv(string Id, int? Pid, IReadOnlyDictionary<string, string> Env, IReadOnlyList<string> Overrides);
