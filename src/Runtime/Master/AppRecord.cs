using Pbm.Client.Contracts;

namespace Pbm.Runtime.Master;

/// <summary>One app of the desired state: its spec and whether it should run (false after `pbm stop`).</summary>
public sealed record AppRecord(AppSpec Spec, bool Running);
