using Akka.Actor;
using Pbm.Client.Contracts;
using Pbm.Runtime.Messages;

namespace Pbm.Runtime.Logs;

/// <summary>
/// Messages of the log servers (one per host, /user/pbm-logs): in a cluster the node that answers `pbm logs`
/// asks every host for the lines of its own files and, with --follow, for every new line its instances print.
/// They cross nodes and use pbm's serializer.
/// </summary>
public static class LogProtocol
{
    public sealed record LogTarget(string App, int Index);

    /// <summary>
    /// Sends <paramref name="ReplyTo"/> the last <paramref name="Lines"/> lines of each of <paramref name="Instances"/> found in
    /// this host's files, in <see cref="LogLines"/> chunks (the last one with TailEnd), then, with <paramref name="Follow"/>,
    /// every new line of App/Index/Stream (null: all) until ReplyTo stops.
    /// </summary>
    public sealed record ReadLogs(IReadOnlyList<LogTarget> Instances, IReadOnlyList<string> Streams, int Lines, bool Follow,
        string? App, int? Index, string? Stream, IActorRef ReplyTo) : IPbmMessage;

    /// <summary>Lines of one host: its tail (<paramref name="Tail"/>; the last chunk of it with <paramref name="TailEnd"/>), or followed lines.</summary>
    public sealed record LogLines(string Node, IReadOnlyList<LogEntry> Entries, bool Tail, bool TailEnd) : IPbmMessage;

    /// <summary>Empties this host's log files of an app (every app when null; one instance with Index); answered with <see cref="LogsFlushed"/>.</summary>
    public sealed record FlushLogs(string? App, int? Index) : IPbmMessage;

    public sealed record LogsFlushed(string Node, int Files) : IPbmMessage;
}
