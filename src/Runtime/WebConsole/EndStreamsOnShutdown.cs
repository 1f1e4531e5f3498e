using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Pbm.Runtime.WebConsole;

/// <summary>
/// Makes every request's RequestAborted also fire when the daemon stops. The API's streams (the console's snapshots,
/// GET /api/logs?follow, /api/events, /api/cluster/tail) end on RequestAborted; without this, a console left open
/// keeps Kestrel's graceful shutdown waiting on them, and `pbm kill` would hang until its own timeout.
/// </summary>
internal sealed class EndStreamsOnShutdown(RequestDelegate next, IHostApplicationLifetime lifetime)
{
    public async Task InvokeAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        context.RequestAborted = linked.Token;
        await next(context);
    }
}
