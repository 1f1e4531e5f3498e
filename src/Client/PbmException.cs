namespace Pbm.Client;

/// <summary>A failure to show the user as one line; <see cref="ExitCode"/> is what the CLI exits with.</summary>
public sealed class PbmException : Exception
{
    public PbmException(string message, int exitCode = 1, int? statusCode = null) : base(message)
    {
        ExitCode = exitCode;
        StatusCode = statusCode;
    }

    public int ExitCode { get; }
    /// <summary>The HTTP status the daemon answered with, when it answered.</summary>
    public int? StatusCode { get; }
}
