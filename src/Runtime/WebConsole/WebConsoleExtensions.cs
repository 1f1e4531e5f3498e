using Microsoft.AspNetCore.Builder;
using Pbm.Runtime.Hosting;

namespace Pbm.Runtime.WebConsole;

/// <summary>The web console on the control API: its page at "/", CORS for other clusters' consoles, and its endpoints.</summary>
public static class WebConsoleExtensions
{
    /// <summary>
    /// Call before the token middleware: the page and CORS preflights need no token. The endpoints mapped here
    /// (/api/console/*) run after it, like every other /api endpoint, so they do.
    /// </summary>
    public static WebApplication UseWebConsole(this WebApplication app, DaemonInfo info)
    {
        app.UseMiddleware<EndStreamsOnShutdown>();
        app.UseMiddleware<CorsMiddleware>();
        app.UseMiddleware<ConsoleAssets>();
        SnapshotsEndpoint.Map(app, info);
        ConsoleActions.Map(app);
        return app;
    }
}
