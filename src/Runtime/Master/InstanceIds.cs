using Pbm.Client.Contracts;

namespace Pbm.Runtime.Master;

/// <summary>
/// PM2's pm_id for pbm's instances: every instance index of every app has a number, unique in the desired state and
/// kept while the instance exists (across restarts, reloads, deploys and master moves: it is part of the replicated
/// spec), so `pbm restart 3` and `pbm logs 3` work as under PM2. New instances take the next number after the
/// highest in use; the numbers of removed instances are not handed out again until they are the highest.
/// </summary>
internal static class InstanceIds
{
    /// <summary>
    /// <paramref name="spec"/> with an id for each index below its instance count: the ids it carries where they are
    /// free (not used by <paramref name="others"/>), new ones for the rest.
    /// </summary>
    public static AppSpec Assign(AppSpec spec, IEnumerable<AppSpec> others)
    {
        var taken = new HashSet<int>();
        foreach (var other in others)
            if (other.Name != spec.Name && other.InstanceIds is { } ids) taken.UnionWith(ids.Values);
        var mine = spec.InstanceIds ?? new Dictionary<int, int>();
        var result = new Dictionary<int, int>();
        for (var index = 0; index < spec.Instances; index++)
            if (mine.TryGetValue(index, out var id) && id >= 0 && taken.Add(id)) result[index] = id;
        var next = taken.Count == 0 ? 0 : taken.Max() + 1;
        for (var index = 0; index < spec.Instances; index++)
            if (!result.ContainsKey(index)) result[index] = next++;
        return Same(mine, result) ? spec : spec with { InstanceIds = result };
    }

    private static bool Same(IReadOnlyDictionary<int, int> a, Dictionary<int, int> b) =>
        a.Count == b.Count && b.All(kv => a.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
