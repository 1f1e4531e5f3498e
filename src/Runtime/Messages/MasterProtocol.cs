using Pbm.Client.Contracts;

namespace Pbm.Runtime.Messages;

/// <summary>Commands the control API sends to the master singleton. Each is answered with its result or <see cref="Failed"/>.</summary>
public static class MasterProtocol
{
    public interface ICommand;

    public sealed record StartApp(AppSpec Spec) : ICommand, IPbmMessage;
    public sealed record StartExisting(string Target) : ICommand, IPbmMessage;
    public sealed record Stop(string Target) : ICommand, IPbmMessage;
    /// <summary>Restart instances; with <paramref name="Spec"/> (pbm restart --update-env) the app's spec becomes it first (version + 1).</summary>
    public sealed record Restart(string Target, AppSpec? Spec = null) : ICommand, IPbmMessage;
    public sealed record Delete(string Target) : ICommand, IPbmMessage;
    /// <summary>N, +N, -N (a fixed count: autoscaling off), or MIN..MAX with <see cref="Autoscale"/>'s targets.</summary>
    public sealed record Scale(string App, string Count) : ICommand, IPbmMessage
    {
        public AutoscaleSpec? Autoscale { get; init; }
    }
    public sealed record Save(string Path) : ICommand, IPbmMessage;
    public sealed record Reload(string App, int Parallel) : ICommand, IPbmMessage;
    public sealed record Deploy(AppSpec Spec, int Parallel) : ICommand, IPbmMessage;
    public sealed record Rollback(string App, int Parallel) : ICommand, IPbmMessage;
    public sealed record Disconnect(string Target) : ICommand, IPbmMessage;
    /// <summary>Zero the restart counters of instances (PM2's reset).</summary>
    public sealed record ResetCounters(string Target) : ICommand, IPbmMessage;
    /// <summary>Send a signal to instances' processes, not their process groups (PM2's sendSignal).</summary>
    public sealed record SendSignal(string Target, string Signal) : ICommand, IPbmMessage;
    public sealed record Resurrect(string Path) : ICommand, IPbmMessage;
    /// <summary>Stop and forget every app (pbm kill); the daemon exits after the answer.</summary>
    public sealed record KillAll : ICommand, IPbmMessage
    {
        public static readonly KillAll Instance = new();
    }

    public sealed record GetApps : ICommand, IPbmMessage
    {
        public static readonly GetApps Instance = new();
    }

    public sealed record GetApp(string Target) : ICommand, IPbmMessage;

    /// <summary>Every registered host with its load; answered with a List of HostInfo wrapped in <see cref="Hosts"/>.</summary>
    public sealed record GetHosts : ICommand, IPbmMessage
    {
        public static readonly GetHosts Instance = new();
    }

    public sealed record Hosts(IReadOnlyList<HostInfo> List) : IPbmMessage;

    /// <summary>Is the master ready (state loaded, a host registered)? Answered with <see cref="Readiness"/>.</summary>
    public sealed record GetReadiness : ICommand, IPbmMessage
    {
        public static readonly GetReadiness Instance = new();
    }

    public sealed record Readiness(bool Ready, IReadOnlyList<string> Warnings) : IPbmMessage;

    /// <summary>A command that could not be done, with the HTTP status that fits (400, 404, 409).</summary>
    public sealed record Failed(string Error, int Status) : IPbmMessage;
}
