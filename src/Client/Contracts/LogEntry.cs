namespace Pbm.Client.Contracts;

/// <summary>One captured line, as GET /api/logs streams it (one JSON object per line).</summary>
/// <param name="App">The app.</param>
/// <param name="Index">The instance index (the id is App:Index).</param>
/// <param name="Stream">"out" or "err".</param>
/// <param name="At">When pbm read the line; null for a file written with --no-time.</param>
/// <param name="Message">The line, without its newline.</param>
public sealed record LogEntry(string App, int Index, string Stream, DateTimeOffset? At, string Message)
{
    /// <summary>In a cluster, the host whose files (or instance) the line comes from; null on a standalone node.</summary>
    public string? Host { get; init; }
}
