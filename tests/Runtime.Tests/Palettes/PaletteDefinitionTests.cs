using Pbm.Client.Contracts;

namespace Pbm.Runtime.Tests.Palettes;

public sealed class PaletteDefinitionTests
{
    private static PaletteDefinition With(string name, params CommandDefinition[] commands) => new(name, "", commands);

    [Fact]
    public void WellFormedPalette_HasNoProblem() =>
        Assert.Null(With("orders", new CommandDefinition("pending", "list", [new ArgumentDefinition("limit", "how many")])).Problem());

    [Theory]
    [InlineData("start", "is a pbm command")]
    [InlineData("Orders", "lower-case")]
    [InlineData("", "lower-case")]
    public void BadPaletteName_IsRefused(string name, string expected) =>
        Assert.Contains(expected, With(name, new CommandDefinition("pending", "", [])).Problem());

    [Fact]
    public void NoCommands_DuplicateCommands_AndPbmOptions_AreRefused()
    {
        Assert.Contains("no commands", With("orders").Problem());
        Assert.Contains("defined twice", With("orders", new CommandDefinition("a", "", []), new CommandDefinition("a", "", [])).Problem());
        Assert.Contains("is a pbm option", With("orders", new CommandDefinition("a", "", [new ArgumentDefinition("json", "")])).Problem());
    }
}
