using Pbm.Client.Contracts;

namespace Pbm.Runtime.Master;

/// <summary>One app of the desired state: its spec, whether it should run (false after `pbm stop`), and the spec a rollback returns to.</summary>
public sealed record AppRecord(AppSpec Spec, bool Running, AppSpec? Previous = null);
