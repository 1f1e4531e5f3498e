namespace Pbm.Runtime.Palettes;

/// <summary>ActorRegistry key of this node's <see cref="PaletteDirectory"/>.</summary>
public sealed class PaletteDirectoryKey;
