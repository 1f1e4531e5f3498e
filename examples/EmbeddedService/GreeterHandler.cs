using Akka.Actor;
using Pbm.Runtime.Palettes;

namespace EmbeddedService;

/// <summary>Answers the greeter palette: `pbm greeter hello --name X`, `pbm greeter count`.</summary>
public sealed class GreeterHandler : ReceiveActor
{
    private int _greeted;

    public GreeterHandler(string node)
    {
        Receive<PaletteCommand>(c => c.Command == "hello", c =>
        {
            _greeted++;
            var greeting = $"Hello, {c.Get("name")}! (from {node})";
            Sender.Tell(c.Flag("shout") ? greeting.ToUpperInvariant() : greeting);
        });
        Receive<PaletteCommand>(c => c.Command == "count", _ => Sender.Tell(PaletteReply.Ok($"{_greeted} greetings so far")));
    }
}
