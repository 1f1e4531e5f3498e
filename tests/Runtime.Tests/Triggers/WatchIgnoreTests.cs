using Pbm.Runtime.Triggers;

namespace Pbm.Runtime.Tests.Triggers;

public sealed class WatchIgnoreTests
{
    private readonly WatchIgnore _ignore = new(["node_modules", ".git", "logs", "*.log", "dist/**", "/abs/app.pid"]);

    [Theory]
    [InlineData("/app/node_modules/x/index.js", true)]
    [InlineData("/app/src/node_modules/y.js", true)]
    [InlineData("/app/.git/HEAD", true)]
    [InlineData("/app/logs/out.txt", true)]
    [InlineData("/app/server.log", true)]
    [InlineData("/app/dist/bundle.js", true)]
    [InlineData("/app/dist", true)]
    [InlineData("/abs/app.pid", true)]
    [InlineData("/abs/.app.pid.123.tmp", true)]
    [InlineData("/app/src/server.js", false)]
    [InlineData("/app/distant/x.js", false)]
    [InlineData("/app/catalog.json", false)]
    public void Path_IgnoredOrNot(string path, bool ignored) => Assert.Equal(ignored, _ignore.IsIgnored("/app", path));
}
