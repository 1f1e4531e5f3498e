using Pbm.Client.Contracts;

namespace Pbm.Runtime.Messages;

/// <summary>Commands the control API sends to the master singleton. Each is answered with its result or <see cref="Failed"/>.</summary>
public static class MasterProtocol
{
    public interface ICommand;

    public sealed record StartApp(AppSpec Spec) : ICommand;
    public sealed record StartExisting(string Target) : ICommand;
    public sealed record Stop(string Target) : ICommand;
    /// <summary>Restart instances; with <paramref name="Spec"/> (pbm restart --update-env) the app's spec becomes it first (version + 1).</summary>
    public sealed record Restart(string Target, AppSpec? Spec = null) : ICommand;
    public sealed record Delete(string Target) : ICommand;
    public sealed record Scale(string App, string Count) : ICommand;
    public sealed record Save(string Path) : ICommand;
    public sealed record Reload(string App, int Parallel) : ICommand;
    public sealed record Deploy(AppSpec Spec, int Parallel) : ICommand;
    public sealed record Rollback(string App, int Parallel) : ICommand;
    public sealed record Disconnect(string Target) : ICommand;
    public sealed record Resurrect(string Path) : ICommand;
    /// <summary>Stop and forget every app (pbm kill); the daemon exits after the answer.</summary>
    public sealed record KillAll : ICommand
    {
        public static readonly KillAll Instance = new();
    }

    public sealed record GetApps : ICommand
    {
        public static readonly GetApps Instance = new();
    }

    public sealed record GetApp(string Target) : ICommand;

    /// <summary>A command that could not be done, with the HTTP status that fits (400, 404, 409).</summary>
    public sealed record Failed(string Error, int Status);
}
