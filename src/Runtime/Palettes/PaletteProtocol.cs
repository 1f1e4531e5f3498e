using Akka.Actor;
using Pbm.Client.Contracts;
using Pbm.Runtime.Messages;

namespace Pbm.Runtime.Palettes;

/// <summary>
/// Messages of the palette directories (one per node, /user/pbm-palettes). Those between directories cross
/// nodes and use pbm's serializer; the handler actors themselves are only ever asked by their own node's directory.
/// </summary>
public static class PaletteProtocol
{
    /// <summary>Local: a palette of this node and its handler.</summary>
    public sealed record Register(PaletteDefinition Palette, IActorRef Handler);

    /// <summary>Asked of every node's directory: answered with <see cref="LocalPalettes"/>.</summary>
    public sealed record ListLocal : IPbmMessage
    {
        public static readonly ListLocal Instance = new();
    }

    public sealed record LocalPalettes(string Node, IReadOnlyList<PaletteDefinition> Palettes) : IPbmMessage;

    /// <summary>Local (the control API): answered with <see cref="AllPalettes"/>, the palettes of every reachable node.</summary>
    public sealed record ListAll
    {
        public static readonly ListAll Instance = new();
    }

    public sealed record AllPalettes(IReadOnlyList<PaletteInfo> Palettes);

    /// <summary>
    /// Run a command: the asked directory runs it with its own handler when it has the palette, else (unless
    /// <paramref name="Forwarded"/>) forwards it to a node that has. Answered with <see cref="Executed"/>.
    /// </summary>
    public sealed record Execute(string Palette, string Command, IReadOnlyDictionary<string, string> Arguments, bool Forwarded = false) : IPbmMessage;

    /// <summary><paramref name="Status"/> is the HTTP status of the control API's answer (200 when the handler answered).</summary>
    public sealed record Executed(string Node, string Output, bool Success, int Status) : IPbmMessage;
}
