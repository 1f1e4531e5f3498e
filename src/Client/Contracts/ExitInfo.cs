namespace Pbm.Client.Contracts;

/// <summary>How and when a process ended.</summary>
/// <param name="Code">Exit code; .NET reports death by signal N as 128+N.</param>
/// <param name="Signal">Signal name when the code means death by signal (e.g. SIGKILL), else null.</param>
/// <param name="At">When the exit was seen.</param>
/// <param name="UptimeMs">How long the process ran.</param>
/// <param name="Detail">The last lines the process wrote to stderr, when it failed.</param>
public sealed record ExitInfo(int Code, string? Signal, DateTimeOffset At, long UptimeMs, string? Detail);
