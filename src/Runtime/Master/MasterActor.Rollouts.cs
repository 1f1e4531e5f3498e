using Akka.Actor;
using Akka.Event;
using Pbm.Client.Contracts;
using Pbm.Runtime.Actors;
using static Pbm.Runtime.Messages.HostProtocol;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Master;

/// <summary>
/// Rolling replacements: reload (same spec), deploy (a new spec, version + 1) and rollback (the previous spec).
/// One at a time per app; each host rolls its own instances (its AppSupervisor's rollout) and answers once done.
/// A rollout may take minutes: its requester is answered when it ends, or "in progress" at pbm.api.command-wait
/// (then `pbm show APP` follows it, which the client does). The desired spec changes only when every host
/// completed: a halted rollout leaves the old version as the desired one, so a restart of the daemon never
/// brings the broken one back.
/// </summary>
internal sealed partial class MasterActor
{
    private readonly Dictionary<string, RolloutInfo> _rollouts = new(StringComparer.Ordinal);

    private void Roll(string kind, string app, AppSpec? deployed, int parallel)
    {
        if (!_apps.TryGetValue(app, out var record))
        {
            Sender.Tell(Unknown(app));
            return;
        }
        if (_rollouts.TryGetValue(app, out var current) && current.State == "running")
        {
            Sender.Tell(new Failed($"a {current.Kind} of {app} is already running ({current.Replaced}/{current.Total} replaced); wait for it to finish", 409));
            return;
        }
        if (!record.Running)
        {
            Sender.Tell(new Failed($"{app} is stopped: pbm start {app} first", 409));
            return;
        }
        AppSpec target;
        switch (kind)
        {
            case "deploy":
                target = deployed! with { Name = app, Instances = record.Spec.Instances, Version = record.Spec.Version + 1, InstanceIds = record.Spec.InstanceIds };
                break;
            case "rollback":
                if (record.Previous is null)
                {
                    Sender.Tell(new Failed($"{app} has no previous version to roll back to", 409));
                    return;
                }
                target = record.Previous with { Instances = record.Spec.Instances, Version = record.Spec.Version + 1, InstanceIds = record.Spec.InstanceIds };
                break;
            default:
                target = record.Spec;
                break;
        }
        _rollouts[app] = new RolloutInfo(kind, "running", record.Spec.Version, target.Version, 0, record.Spec.Instances, null, DateTimeOffset.UtcNow);
        var replyTo = Sender;
        Converse(_hosts.Keys.Select(h => (h, (object)new ReloadApp(target, parallel))),
            o => OnRolloutFinished(kind, app, target, o, o.Late ? null : replyTo),
            _ => replyTo.Tell(new OperationResult(
                $"{kind} of {app} is still running after {_settings.CommandWait.TotalSeconds:0} s; it goes on: pbm show {app} follows it", []) { InProgress = true }));
    }

    /// <param name="replyTo">The requester, unless it was already answered that the rollout is in progress.</param>
    private void OnRolloutFinished(string kind, string app, AppSpec target, Confirmations.Outcome outcome, IActorRef? replyTo)
    {
        if (!_apps.TryGetValue(app, out var record) || !_rollouts.TryGetValue(app, out var info))
        {
            _rollouts.Remove(app);
            replyTo?.Tell(new Failed($"{app} was deleted during the {kind}", 409));
            return;
        }
        if (outcome.Failures.Count > 0)
        {
            var failure = string.Join("; ", outcome.Failures);
            var halted = $"{kind} of {app} halted after {outcome.Replaced} of {info.Total} instances: {failure}; the other instances still run v{record.Spec.Version}";
            _rollouts[app] = info with { State = "halted", Replaced = outcome.Replaced, Reason = failure, At = DateTimeOffset.UtcNow, Message = halted };
            _log.Warning("{0} of {1} halted: {2}", kind, app, failure);
            replyTo?.Tell(new Failed(halted, 500));
            return;
        }
        if (kind != "reload")
        {
            _apps[app] = record with { Spec = target, Previous = record.Spec };
            try
            {
                Persist();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Error(e, "could not save state after the {0} of {1}", kind, app);
            }
        }
        var past = kind switch { "deploy" => "deployed", "rollback" => "rolled back", _ => "reloaded" };
        var done = $"{past} {app}: {outcome.Replaced} instance{(outcome.Replaced == 1 ? "" : "s")} replaced, now v{_apps[app].Spec.Version}";
        _rollouts[app] = info with { State = "done", Replaced = outcome.Replaced, At = DateTimeOffset.UtcNow, Message = done };
        if (replyTo is not null) ReplyWithInstances(done, app, replyTo);
    }
}
