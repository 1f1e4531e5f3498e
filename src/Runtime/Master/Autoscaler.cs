using System.Globalization;
using Pbm.Client.Contracts;
using Pbm.Runtime.Metrics;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// The master's autoscaling arithmetic, fed one sample at a time (every pbm.autoscale.interval the master gathers
/// every host's instances and gateway counters) and owned by the master's thread: no actor, no clock of its own,
/// so a test drives it with made-up samples and times.
/// <para>
/// Measures, cluster-wide: requests in flight (each gateway's sum of request durations over the span between two
/// samples, by Little's law, summed over gateways: no sampling of an instantaneous gauge, which a 5 s period would
/// alias), the p90 latency of the span's requests (the gateways' histograms merged), and the CPU per online instance
/// (the hosts' samples). Each target asks for a count; the largest wins, kept within MIN..MAX.
/// </para>
/// <para>
/// Scale-out acts at once (at most once per two samples, so instances just started get to take load before the next
/// look). Scale-in waits until every count asked for during the cool-down was lower, and the last change is a
/// cool-down old, then goes to the highest of them: a burst that comes back within the cool-down finds its
/// instances still there (Kubernetes' HPA stabilisation window, the same idea).
/// </para>
/// </summary>
internal sealed class Autoscaler
{
    public const int KeptDecisions = 20;

    private readonly Dictionary<(string Node, string App), GatewayLoad> _previous = [];
    private readonly Dictionary<string, AppState> _apps = new(StringComparer.Ordinal);

    private sealed class AppState
    {
        public DateTimeOffset? LastChange;
        public readonly List<(DateTimeOffset At, int Wanted)> Window = [];
        public DateTimeOffset? FirstSample;
        public AutoscaleInfo Info = new();
    }

    public sealed record Decision(string App, int From, int To, string Reason);

    public AutoscaleInfo? Info(string app) => _apps.TryGetValue(app, out var s) ? s.Info : null;

    /// <summary>A new policy (or none) for <paramref name="app"/>: its window starts over; its decisions stay.</summary>
    public void Reset(string app, DateTimeOffset now)
    {
        if (!_apps.TryGetValue(app, out var s)) return;
        s.Window.Clear();
        s.FirstSample = null;
        s.LastChange = now;
    }

    /// <summary>
    /// One gathered sample. <paramref name="apps"/>: the autoscaled, running apps not in a rollout, with their
    /// count now. Returns the changes to make (the master makes them and calls <see cref="Applied"/>).
    /// </summary>
    public List<Decision> Observe(IReadOnlyList<HostInstances> hosts, IReadOnlyList<(AppSpec Spec, AutoscaleSpec Policy)> apps,
        DateTimeOffset now, TimeSpan interval)
    {
        var decisions = new List<Decision>();
        var deltas = Deltas(hosts);
        foreach (var (spec, policy) in apps)
        {
            var state = _apps.TryGetValue(spec.Name, out var s) ? s : _apps[spec.Name] = new AppState();
            var n = spec.Instances;
            var online = hosts.SelectMany(h => h.Instances).Where(i => i.App == spec.Name && i.Status == "online").ToList();
            deltas.TryGetValue(spec.Name, out var traffic);
            double? concurrency = traffic?.Seconds > 0 ? traffic.Busy / traffic.Seconds : traffic is null ? null : 0;
            double? p90 = traffic is { Requests: > 0 } ? Percentile(traffic.Buckets, traffic.Requests, 0.9) * 1000 : null;
            var sampled = online.Where(i => i.Cpu is not null).ToList();
            double? cpu = sampled.Count > 0 ? sampled.Average(i => i.Cpu!.Value) : null;

            var asks = new List<(int Count, string Why)>();
            if (policy.TargetConcurrency is { } tc && concurrency is { } c)
                asks.Add(((int)Math.Ceiling(c / tc - 1e-9), $"{F(c)} requests in flight / target {F(tc)} per instance"));
            if (policy.TargetCpu is { } tu && cpu is { } u)
                asks.Add(((int)Math.Ceiling(online.Count * u / tu - 1e-9), $"cpu {F(u)}% per instance x {online.Count} / target {F(tu)}%"));
            if (policy.TargetLatencyMs is { } tl)
            {
                if (p90 is { } l)
                    asks.Add(l > tl ? (n + 1, $"p90 {F(l)} ms > target {F(tl)} ms") : l < tl / 2 ? (n - 1, $"p90 {F(l)} ms < half the target {F(tl)} ms") : (n, $"p90 {F(l)} ms"));
                else if (traffic is not null)
                    asks.Add((policy.Min, "no requests"));
            }
            state.Info = state.Info with { Concurrency = concurrency, CpuPercent = cpu, P90Ms = p90, MeasuredAt = now };
            if (asks.Count == 0)
            {
                state.Info = state.Info with { Wanted = null };
                continue;
            }
            var top = asks.MaxBy(a => a.Count);
            var wanted = Math.Clamp(top.Count, policy.Min, policy.Max);
            var why = string.Join("; ", asks.Select(a => a.Why));
            state.Info = state.Info with { Wanted = wanted };
            state.FirstSample ??= now;
            var cooldown = TimeSpan.FromMilliseconds(policy.CooldownMs);
            state.Window.Add((now, wanted));
            state.Window.RemoveAll(w => now - w.At > cooldown);

            var sinceChange = state.LastChange is { } last ? now - last : TimeSpan.MaxValue;
            if (n < policy.Min || n > policy.Max)
                decisions.Add(new Decision(spec.Name, n, Math.Clamp(n, policy.Min, policy.Max), $"outside {policy.Min}..{policy.Max}"));
            else if (wanted > n && sinceChange >= 2 * interval)
                decisions.Add(new Decision(spec.Name, n, wanted, $"{why}: {n} -> {wanted}"));
            else if (wanted < n && sinceChange >= cooldown && now - state.FirstSample >= cooldown && state.Window.Max(w => w.Wanted) is var highest && highest < n)
                decisions.Add(new Decision(spec.Name, n, highest, $"{why}; every count asked for in the last {F(cooldown.TotalSeconds)} s was at most {highest}: {n} -> {highest}"));
        }
        foreach (var gone in _apps.Keys.Where(a => apps.All(x => x.Spec.Name != a)).ToList())
            if (_apps[gone].Info.Decisions.Count == 0) _apps.Remove(gone);
        return decisions;
    }

    /// <summary>The master made <paramref name="d"/>: remembered (pbm show), and the cool-down starts over.</summary>
    public void Applied(Decision d, DateTimeOffset now)
    {
        var state = _apps.TryGetValue(d.App, out var s) ? s : _apps[d.App] = new AppState();
        state.LastChange = now;
        state.Window.Clear();
        var decisions = state.Info.Decisions.Append(new ScaleDecision(now, d.From, d.To, d.Reason)).TakeLast(KeptDecisions).ToList();
        state.Info = state.Info with
        {
            Decisions = decisions,
            ScaleOuts = state.Info.ScaleOuts + (d.To > d.From ? 1 : 0),
            ScaleIns = state.Info.ScaleIns + (d.To < d.From ? 1 : 0),
        };
    }

    private sealed class Traffic
    {
        public double Busy;
        public double Seconds;
        public long Requests;
        public long[] Buckets = new long[GatewayStats.Buckets.Length];
    }

    /// <summary>Per app: busy seconds, elapsed seconds (the longest span of any gateway) and requests since each gateway's previous sample.</summary>
    private Dictionary<string, Traffic> Deltas(IReadOnlyList<HostInstances> hosts)
    {
        var result = new Dictionary<string, Traffic>(StringComparer.Ordinal);
        foreach (var host in hosts)
            foreach (var load in host.Load ?? [])
            {
                var key = (host.Node, load.App);
                _previous.TryGetValue(key, out var before);
                _previous[key] = load;
                // The first sample of a gateway, or one that restarted (its counters went back): a baseline only.
                if (before is null || load.Count < before.Count || load.AtMs <= before.AtMs || load.Buckets.Count != GatewayStats.Buckets.Length) continue;
                var t = result.TryGetValue(load.App, out var x) ? x : result[load.App] = new Traffic();
                t.Busy += Math.Max(0, load.SumSeconds - before.SumSeconds);
                t.Seconds = Math.Max(t.Seconds, (load.AtMs - before.AtMs) / 1000.0);
                t.Requests += load.Count - before.Count;
                for (var b = 0; b < t.Buckets.Length; b++) t.Buckets[b] += Math.Max(0, load.Buckets[b] - before.Buckets[b]);
            }
        return result;
    }

    /// <summary>The q-quantile in seconds from cumulative bucket counts, linear within a bucket (as Prometheus' histogram_quantile).</summary>
    internal static double Percentile(IReadOnlyList<long> cumulative, long total, double q)
    {
        var rank = q * total;
        double lower = 0;
        long below = 0;
        for (var b = 0; b < cumulative.Count; b++)
        {
            var upper = GatewayStats.Buckets[b];
            if (cumulative[b] >= rank)
                return cumulative[b] == below ? upper : lower + (upper - lower) * (rank - below) / (cumulative[b] - below);
            lower = upper;
            below = cumulative[b];
        }
        return GatewayStats.Buckets[^1];
    }

    private static string F(double v) => v.ToString(v >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture);
}
