using Microsoft.AspNetCore.Http;

namespace Pbm.Runtime.WebConsole;

/// <summary>
/// Lets a console served by one cluster call another cluster's API straight from the browser (several clusters
/// in one page). Chosen over proxying through the serving node: no node ever holds another cluster's token, and
/// each cluster stays reachable even when the serving one is down.
/// <para>
/// Safe because authority is never ambient: the API uses no cookies and every TCP request must carry the token
/// (ApiTokenMiddleware, which runs after this), so "Access-Control-Allow-Origin: *" only lets a page that already
/// knows the token read the answers. Preflights (OPTIONS, which browsers send without the Authorization header)
/// are answered here, before the token check; every other request still goes through it, and its answer, 401
/// included, carries the header so the console can show the API's own words.
/// </para>
/// </summary>
internal sealed class CorsMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api") || !request.Headers.ContainsKey("Origin")) return next(context);
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        if (HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey("Access-Control-Request-Method"))
        {
            headers.AccessControlAllowMethods = "GET, POST, DELETE, OPTIONS";
            headers.AccessControlAllowHeaders = "Authorization, Content-Type";
            headers.AccessControlMaxAge = "600";
            // Chromium's Private Network Access: a console opened on a LAN address may call a node on loopback.
            if (request.Headers.ContainsKey("Access-Control-Request-Private-Network"))
                headers["Access-Control-Allow-Private-Network"] = "true";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
        return next(context);
    }
}
