using Pbm.Client.Contracts;

namespace Pbm.Runtime.Master;

/// <summary>
/// One app of the desired state: its spec, whether it should run (false after `pbm stop`), the spec a rollback
/// returns to, and where each instance runs (index → host node name; an index missing from it is pending).
/// </summary>
public sealed record AppRecord(AppSpec Spec, bool Running, AppSpec? Previous = null, IReadOnlyDictionary<int, string>? Placement = null)
{
    public IReadOnlyDictionary<int, string> Where => Placement ?? new Dictionary<int, string>();

    public IReadOnlyList<int> IndicesOn(string node) => Where.Where(kv => kv.Value == node).Select(kv => kv.Key).Order().ToList();
}
