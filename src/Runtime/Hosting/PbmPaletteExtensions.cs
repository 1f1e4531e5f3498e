using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Command palettes of your own, the way Petabridge.Cmd has them: `pbm PALETTE COMMAND --ARG V` runs COMMAND on
/// the handler actor of whichever node registered PALETTE; `pbm PALETTE --help` lists its commands.
/// </summary>
public static class PbmPaletteExtensions
{
    /// <summary>
    /// Registers <paramref name="palette"/>, answered by an actor made from <paramref name="handler"/> (named
    /// palette-NAME). It receives <see cref="Palettes.PaletteCommand"/> and replies with a string or a
    /// <see cref="Palettes.PaletteReply"/>. Use with <see cref="PbmHostingExtensions.WithPbmHost"/> or WithPbmMaster.
    /// </summary>
    public static AkkaConfigurationBuilder WithPbmPalette(this AkkaConfigurationBuilder builder, PaletteDefinition palette, Props handler) =>
        builder.WithPbmPalette(palette, system => system.ActorOf(handler, "palette-" + palette.Name));

    /// <summary>Registers <paramref name="palette"/>, answered by the actor <paramref name="handler"/> returns when the system starts.</summary>
    public static AkkaConfigurationBuilder WithPbmPalette(this AkkaConfigurationBuilder builder, PaletteDefinition palette, Func<ActorSystem, IActorRef> handler)
    {
        if (palette.Problem() is { } problem) throw new ConfigurationException($"WithPbmPalette: {problem}");
        var setup = PbmHostingExtensions.SetupOf(builder);
        if (setup.Palettes.Any(p => p.Palette.Name == palette.Name))
            throw new ConfigurationException($"WithPbmPalette: palette {palette.Name} is registered twice");
        setup.Palettes.Add((palette, handler));
        return builder;
    }
}
