using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;

namespace Pbm.Runtime.Tests.Specs;

public sealed class StartOrderTests
{
    private static AppSpec App(string name, params string[] after) =>
        new() { Name = name, Script = "/x.js", Command = "node", Cwd = "/", After = after.Length == 0 ? null : after };

    [Fact]
    public void Sort_PutsEachAppAfterTheAppsItNames_OthersKeepTheirOrder()
    {
        var sorted = StartOrder.Sort([App("web", "api", "cache"), App("lone"), App("api", "db"), App("db"), App("cache")]);
        Assert.Equal(["db", "api", "cache", "web", "lone"], sorted.Select(s => s.Name));
    }

    [Fact]
    public void Sort_AnAppNamedButNotInTheSet_IsLeftToTheDaemon()
    {
        Assert.Equal(["web"], StartOrder.Sort([App("web", "elsewhere")]).Select(s => s.Name));
    }

    [Fact]
    public void Sort_ACycle_IsAnErrorNamingIt()
    {
        var e = Assert.Throws<PbmException>(() => StartOrder.Sort([App("a", "c"), App("b", "a"), App("c", "b"), App("d")]));
        Assert.Equal("start order has a cycle: a -> c -> b -> a (--after)", e.Message);
    }

    [Fact]
    public void FindCycle_NoneInADiamond()
    {
        var graph = new Dictionary<string, IReadOnlyList<string>> { ["top"] = ["l", "r"], ["l"] = ["base"], ["r"] = ["base"], ["base"] = [] };
        Assert.Null(StartOrder.FindCycle(graph));
    }
}
