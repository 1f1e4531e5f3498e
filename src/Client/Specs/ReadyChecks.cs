namespace Pbm.Client.Specs;

/// <summary>The readiness checks an app may name with --ready, validated the same way by the CLI and the daemon.</summary>
public static class ReadyChecks
{
    /// <summary>The private port accepts a connection (the default with --port).</summary>
    public const string Tcp = "tcp";

    /// <summary>Prefix of "http:/path": that path answers 2xx on the private port.</summary>
    public const string HttpPrefix = "http:";

    /// <summary>The app sends "ready" on its IPC channel (Node: process.send('ready'); PM2's wait_ready).</summary>
    public const string Message = "message";

    /// <summary>
    /// PM2's wait_ready (--wait-ready, wait_ready: true): the "ready" message, or listen-timeout passing without it,
    /// whichever comes first; PM2 counts a silent app as ready once the timeout is over. --ready message requires it.
    /// </summary>
    public const string WaitReady = "wait-ready";

    /// <summary>True when the check waits for the app's IPC message (it then gets an IPC channel).</summary>
    public static bool UsesMessage(string? ready) => ready is Message or WaitReady;

    /// <summary>Null when <paramref name="ready"/> (the --ready value, or null) suits an app with or without a port; else why not.</summary>
    public static string? Validate(string? ready, bool hasPort)
    {
        if (ready is null or Message or WaitReady) return null;
        if (ready != Tcp && !ready.StartsWith(HttpPrefix, StringComparison.Ordinal))
            return $"--ready {ready}: expected tcp, http:/path or message";
        return hasPort ? null : $"--ready {ready} needs --port: it is checked on the instance's private port (--ready message works without one)";
    }
}
