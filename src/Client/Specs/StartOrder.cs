using Pbm.Client.Contracts;

namespace Pbm.Client.Specs;

/// <summary>
/// Start order (--after, systemd's After=): the apps of a set ordered so that each comes after the apps it names, and
/// the cycle that makes that impossible, named. Used by the CLI for an app file and by the master for every start.
/// </summary>
public static class StartOrder
{
    /// <summary>
    /// <paramref name="specs"/> with every app after the apps of the set it names in --after (apps named but not in
    /// the set are left to the daemon), otherwise in their given order; throws <see cref="PbmException"/> naming a cycle.
    /// </summary>
    public static List<AppSpec> Sort(IReadOnlyList<AppSpec> specs)
    {
        var byName = specs.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        if (FindCycle(byName.ToDictionary(kv => kv.Key, kv => kv.Value.After ?? [])) is { } cycle)
            throw new PbmException($"start order has a cycle: {string.Join(" -> ", cycle)} (--after)");
        var sorted = new List<AppSpec>(specs.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        void Place(AppSpec spec)
        {
            if (!placed.Add(spec.Name)) return;
            foreach (var dep in spec.After ?? [])
                if (byName.TryGetValue(dep, out var first)) Place(first);
            sorted.Add(spec);
        }
        foreach (var spec in specs) Place(spec);
        return sorted;
    }

    /// <summary>A cycle of the graph "app waits for these apps" (first name repeated at the end: a -> b -> a), or null.</summary>
    public static List<string>? FindCycle(IReadOnlyDictionary<string, IReadOnlyList<string>> after)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the path, 2: done
        var path = new List<string>();
        List<string>? Visit(string app)
        {
            if (state.GetValueOrDefault(app) == 2) return null;
            if (state.GetValueOrDefault(app) == 1) return [.. path.Skip(path.IndexOf(app)), app];
            state[app] = 1;
            path.Add(app);
            foreach (var dep in after.GetValueOrDefault(app) ?? [])
                if (Visit(dep) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            state[app] = 2;
            return null;
        }
        foreach (var app in after.Keys.Order(StringComparer.Ordinal))
            if (Visit(app) is { } cycle) return cycle;
        return null;
    }
}
