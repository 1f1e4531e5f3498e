using Pbm.Runtime.Master;

namespace Pbm.Runtime.Tests.Master;

public sealed class PlacementTests
{
    [Fact]
    public void Spread_GivesEveryHostAnEvenShareInStableOrder()
    {
        var p = Placement.Spread(5, ["b", "a", "c"]);
        Assert.Equal([0, 3], p["a"]);
        Assert.Equal([1, 4], p["b"]);
        Assert.Equal([2], p["c"]);
    }

    [Fact]
    public void Spread_NoHosts_PlacesNothing() => Assert.Empty(Placement.Spread(3, []));

    [Theory]
    [InlineData("all", true, null, null)]
    [InlineData("web", false, "web", null)]
    [InlineData("web:3", false, "web", 3)]
    public void Target_Parses(string text, bool all, string? app, int? index)
    {
        Assert.True(Target.TryParse(text, out var t, out _));
        Assert.Equal(all, t.All);
        Assert.Equal(app, t.App);
        Assert.Equal(index, t.Index);
    }

    [Theory]
    [InlineData("web:x")]
    [InlineData("web:-1")]
    [InlineData("")]
    public void Target_RefusesMalformedIds(string text)
    {
        Assert.False(Target.TryParse(text, out _, out var error));
        Assert.NotNull(error);
    }
}
