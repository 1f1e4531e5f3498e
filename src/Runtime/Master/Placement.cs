namespace Pbm.Runtime.Master;

/// <summary>
/// Where each instance of an app runs: spread evenly over the known hosts, in a stable order (index i on the
/// i-th host modulo their count, hosts sorted by name), so every master computes the same answer.
/// </summary>
internal static class Placement
{
    public static IReadOnlyDictionary<string, IReadOnlyList<int>> Spread(int instances, IReadOnlyCollection<string> hosts)
    {
        var result = new Dictionary<string, IReadOnlyList<int>>();
        if (hosts.Count == 0) return result;
        var ordered = hosts.OrderBy(h => h, StringComparer.Ordinal).ToList();
        var lists = ordered.ToDictionary(h => h, _ => new List<int>());
        for (var i = 0; i < instances; i++) lists[ordered[i % ordered.Count]].Add(i);
        foreach (var (host, list) in lists) result[host] = list;
        return result;
    }
}
