namespace Pbm.Runtime.Palettes;

/// <summary>A palette handler's answer: the text pbm prints, and whether the command succeeded (pbm exits 1 when not).</summary>
public sealed record PaletteReply(string Output, bool Success = true)
{
    public static PaletteReply Ok(string output) => new(output);

    public static PaletteReply Fail(string output) => new(output, false);
}
