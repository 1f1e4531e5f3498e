using Pbm.Client.Contracts;

namespace Pbm.Runtime.Supervision;

/// <summary>
/// The apps of a host whose AppSupervisor could not be created (its constructor or PreStart threw). Akka turns a
/// Resume of an actor that never started into a re-create, so HostAgent's strategy stops such a supervisor and
/// records the app here instead: `pbm list` shows its instances errored with the reason, and delete or kill are
/// answered at once. A new ApplyApp of the app (a new spec, a scale, a re-registration) is one new try. Before this,
/// a spec the supervisor could not take was re-created in a loop: ~450 failures in 5 s, gigabytes within minutes,
/// and no answer to `pbm delete` or `pbm kill`.
/// </summary>
internal sealed class ErroredApps
{
    private readonly Dictionary<string, (AppSpec Spec, IReadOnlyList<int> Indices)> _assigned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _errored = new(StringComparer.Ordinal);
    /// <summary>Who asked for the app's supervisor to be created: answered with the reason if it cannot be.</summary>
    private readonly Dictionary<string, Akka.Actor.IActorRef> _creators = new(StringComparer.Ordinal);

    /// <summary>The host is asked to run <paramref name="spec"/>'s <paramref name="indices"/>: remembered, and any earlier failure forgotten.</summary>
    public void Assigned(AppSpec spec, IReadOnlyList<int> indices)
    {
        _assigned[spec.Name] = (spec, indices);
        _errored.Remove(spec.Name);
    }

    /// <summary>A supervisor for <paramref name="app"/> is being created at <paramref name="requester"/>'s request.</summary>
    public void Creating(string app, Akka.Actor.IActorRef requester) => _creators[app] = requester;

    public void Forget(string app)
    {
        _assigned.Remove(app);
        _creators.Remove(app);
        _errored.Remove(app);
    }

    /// <summary>Forgets every app not in <paramref name="wanted"/> (the host's assignments changed).</summary>
    public void KeepOnly(IReadOnlySet<string> wanted)
    {
        foreach (var app in _assigned.Keys.Where(a => !wanted.Contains(a)).ToList()) Forget(app);
    }

    /// <summary>Records why <paramref name="app"/> is errored; returns who waits for its start, with the words to answer.</summary>
    public (Akka.Actor.IActorRef ReplyTo, string Reason)? Failed(string app, Exception cause)
    {
        var root = cause.InnerException?.GetBaseException() ?? cause;
        var reason = $"its supervisor could not start on this host ({root.GetType().Name}: {root.Message.Split('\n')[0]}); " +
                     "pbm delete, or a new spec (pbm restart --update-env, pbm deploy), tries again";
        _errored[app] = reason;
        return _creators.Remove(app, out var replyTo) ? (replyTo, reason) : null;
    }

    /// <summary>The instances of the errored apps (of <paramref name="app"/> only, when given), as `pbm list` shows them.</summary>
    public IReadOnlyList<InstanceInfo> Instances(string? app, string node) =>
        _errored.Where(e => app is null || e.Key == app).SelectMany(e =>
        {
            var (spec, indices) = _assigned[e.Key];
            return indices.Select(i => new InstanceInfo
            {
                Id = $"{spec.Name}:{i}", App = spec.Name, Index = i, Host = node, Status = InstanceStatus.Errored, Reason = e.Value,
                PmId = spec.InstanceIds is { } ids && ids.TryGetValue(i, out var pmId) ? pmId : null, Version = spec.Version,
            });
        }).ToList();
}
