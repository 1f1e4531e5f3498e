using Pbm.Client.Contracts;

namespace Pbm.Runtime.Master;

/// <summary>
/// Where instances run. Placement is sticky: an instance stays on its host while that host lives, so a host
/// joining or leaving moves only the instances it must (a joining host takes new work only; rebalancing is an
/// explicit act). An unplaced instance goes to an allowed host (--hosts) under its cap (--max-per-host) with
/// the fewest instances of this app, then the fewest instances overall, then by name: an even spread.
/// </summary>
internal static class Placement
{
    /// <param name="spec">The app.</param>
    /// <param name="current">Where its instances are now.</param>
    /// <param name="keep">Hosts whose instances stay where they are (alive, or expected back).</param>
    /// <param name="alive">Hosts that can take new instances.</param>
    /// <param name="load">Instances per host over every app, for tie-breaking.</param>
    public static Dictionary<int, string> Place(AppSpec spec, IReadOnlyDictionary<int, string> current,
        IReadOnlySet<string> keep, IReadOnlyCollection<string> alive, IReadOnlyDictionary<string, int> load)
    {
        var result = current.Where(kv => kv.Key < spec.Instances && keep.Contains(kv.Value)).ToDictionary();
        var allowed = alive.Where(h => spec.Hosts is not { Count: > 0 } pins || pins.Any(pin => Pbm.Client.Specs.HostNames.Matches(pin, h))).ToList();
        var mine = allowed.ToDictionary(h => h, h => result.Count(kv => kv.Value == h));
        for (var i = 0; i < spec.Instances; i++)
        {
            if (result.ContainsKey(i)) continue;
            var host = allowed
                .Where(h => spec.MaxPerHost is not { } cap || mine[h] < cap)
                .OrderBy(h => mine[h])
                .ThenBy(h => load.GetValueOrDefault(h))
                .ThenBy(h => h, StringComparer.Ordinal)
                .FirstOrDefault();
            if (host is null) continue;
            result[i] = host;
            mine[host]++;
        }
        return result;
    }

    /// <summary>Even spread of <paramref name="instances"/> over <paramref name="hosts"/> from scratch.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<int>> Spread(int instances, IReadOnlyCollection<string> hosts)
    {
        var spec = new AppSpec { Name = "x", Script = "x", Command = "x", Cwd = "/", Instances = instances };
        var placed = Place(spec, new Dictionary<int, string>(), hosts.ToHashSet(), hosts, new Dictionary<string, int>());
        return hosts.ToDictionary(h => h, h => (IReadOnlyList<int>)placed.Where(kv => kv.Value == h).Select(kv => kv.Key).Order().ToList());
    }
}
