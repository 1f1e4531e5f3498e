using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;
using static Pbm.Runtime.Messages.HostProtocol;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// pbm scale APP MIN..MAX --target-...: every pbm.autoscale.interval the master gathers every host's instances
/// (status, CPU) and gateway counters in one read (a <see cref="Actors.Gather"/> child, never a wait here), hands
/// them to <see cref="Autoscaler"/>, and makes the changes it asks for the way pbm scale makes them (committed,
/// then applied by the hosts; scale-in drains through the hosts' stop). Apps in a rollout are left alone until it
/// ends. Each decision is logged with its reason and kept for pbm show, the console and /metrics.
/// </summary>
internal sealed partial class MasterActor
{
    private readonly Autoscaler _autoscaler = new();
    private bool _autoscaleGathering;

    private sealed record AutoscaleTick
    {
        public static readonly AutoscaleTick Instance = new();
    }

    private sealed record LoadGathered(IReadOnlyList<HostInstances> Hosts);

    private void ReceiveAutoscaling()
    {
        Timers.StartPeriodicTimer("autoscale", AutoscaleTick.Instance, _settings.AutoscaleInterval);
        Receive<AutoscaleTick>(_ =>
        {
            if (_autoscaleGathering || Autoscaled().Count == 0) return;
            _autoscaleGathering = true;
            Query(new ListInstances(null) { WithLoad = true }, replies => new LoadGathered(replies.OfType<HostInstances>().ToList()), Self);
        });
        Receive<LoadGathered>(m =>
        {
            _autoscaleGathering = false;
            var now = DateTimeOffset.UtcNow;
            foreach (var d in _autoscaler.Observe(m.Hosts, Autoscaled(), now, _settings.AutoscaleInterval))
            {
                if (!_apps.TryGetValue(d.App, out var app) || app.Spec.Instances != d.From) continue;
                _log.Info("autoscale {0}: {1} -> {2}: {3}", d.App, d.From, d.To, d.Reason);
                _autoscaler.Applied(d, now);
                Resize(app, app.Spec with { Instances = d.To }, ActorRefs.Nobody, $"autoscaled {d.App} from {d.From} to {d.To}");
            }
        });
    }

    /// <summary>Apps the autoscaler looks after now: autoscaled, running, not in a rollout.</summary>
    private List<(AppSpec Spec, AutoscaleSpec Policy)> Autoscaled() =>
        _apps.Values.Where(a => a.Running && a.Spec.Autoscale is not null &&
                                !(_rollouts.TryGetValue(a.Spec.Name, out var r) && r.State == "running"))
            .Select(a => (a.Spec, a.Spec.Autoscale!)).ToList();

    private Dictionary<string, AutoscaleInfo> AutoscaleSnapshot() =>
        _apps.Keys.Select(a => (a, _autoscaler.Info(a))).Where(x => x.Item2 is not null)
            .ToDictionary(x => x.a, x => x.Item2!, StringComparer.Ordinal);

    /// <summary>pbm scale APP MIN..MAX: the targets given (or those the app had), the count brought within the range.</summary>
    private void ScaleAutomatically(AppRecord app, Scale m, int min, int max)
    {
        if (min < 0)
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: expected MIN..MAX, two whole numbers (2..8)", 400));
            return;
        }
        // A range alone keeps the app's targets; a range with --scale-cooldown alone keeps them with that cool-down.
        var targets = m.Autoscale is { TargetConcurrency: null, TargetCpu: null, TargetLatencyMs: null } cooldownOnly && app.Spec.Autoscale is { } had
            ? had with { CooldownMs = cooldownOnly.CooldownMs }
            : m.Autoscale ?? app.Spec.Autoscale;
        if (targets is null)
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: a range needs a target: --target-concurrency N, --target-cpu P% or --target-latency D", 400));
            return;
        }
        var policy = targets with { Min = min, Max = max };
        var spec = app.Spec with { Autoscale = policy };
        if (SpecValidator.Check(spec, out _) is { Count: > 0 } problems)
        {
            Sender.Tell(new Failed($"scale {m.App} {m.Count}: {string.Join("; ", problems)}", 400));
            return;
        }
        spec = spec with { Instances = Math.Clamp(app.Spec.Instances, min, max) };
        _autoscaler.Reset(m.App, DateTimeOffset.UtcNow);
        Resize(app, spec, Sender, $"autoscaling {m.App} between {min} and {max} ({Autoscaling.Describe(policy)}); {spec.Instances} instance{(spec.Instances == 1 ? "" : "s")} now");
    }
}
