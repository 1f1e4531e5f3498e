namespace Pbm.Client.Specs;

/// <summary>The health checks an app may name with --health, validated the same way by the CLI and the daemon.</summary>
public static class HealthChecks
{
    /// <summary>The private port accepts a connection.</summary>
    public const string Tcp = "tcp";

    /// <summary>Prefix of "http:/path": GET path on the private port answers 2xx.</summary>
    public const string HttpPrefix = "http:";

    /// <summary>Prefix of "exec:COMMAND": the command (run by /bin/sh -c in the app's cwd, with its environment and user) exits 0.</summary>
    public const string ExecPrefix = "exec:";

    /// <summary>Null when <paramref name="check"/> suits an app with or without a port; else why not.</summary>
    public static string? Validate(string check, bool hasPort)
    {
        if (check.StartsWith(ExecPrefix, StringComparison.Ordinal))
            return string.IsNullOrWhiteSpace(check[ExecPrefix.Length..]) ? "exec: needs a command (exec:CMD)" : null;
        if (check != Tcp && !check.StartsWith(HttpPrefix, StringComparison.Ordinal))
            return $"'{SpecValidator.Show(check)}': expected tcp, http:/path or exec:COMMAND";
        if (check.StartsWith(HttpPrefix, StringComparison.Ordinal) && check.Length == HttpPrefix.Length)
            return "http: needs a path (http:/healthz)";
        return hasPort ? null : $"{check} needs --port: it is checked on the instance's private port (exec:COMMAND works without one)";
    }

    /// <summary>The path of an http check, with its leading slash.</summary>
    public static string HttpPath(string check)
    {
        var path = check[HttpPrefix.Length..];
        return path.StartsWith('/') ? path : "/" + path;
    }
}
