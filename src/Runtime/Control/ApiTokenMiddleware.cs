using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Connections.Features;

namespace Pbm.Runtime.Control;

/// <summary>
/// Requests over the Unix socket are trusted (the socket's mode 0600 is the access control, as PM2's rpc
/// socket). Every TCP request must carry the token: "Authorization: Bearer T", or "?token=T" (GET /metrics
/// too, unless pbm.api.metrics-public is on: Prometheus sends it with authorization.credentials_file).
/// </summary>
internal sealed class ApiTokenMiddleware(RequestDelegate next, Config.PbmSettings settings, string token)
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    public Task InvokeAsync(HttpContext context)
    {
        var local = context.Features.Get<IConnectionEndPointFeature>()?.LocalEndPoint;
        if (local is UnixDomainSocketEndPoint || (local is null && context.Connection.LocalIpAddress is null))
            return next(context);
        if (settings.MetricsPublic && context.Request.Path == "/metrics" && HttpMethods.IsGet(context.Request.Method))
            return next(context);
        // The scheme is case-insensitive (RFC 9110 11.1): "bearer T" is as good as "Bearer T".
        var given = context.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth[7..].Trim()
            : context.Request.Query["token"].ToString();
        if (given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token))
            return next(context);
        context.Response.StatusCode = (int)HttpStatusCode.Unauthorized;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync("{\"error\":\"unauthorized: a valid token is required (Authorization: Bearer TOKEN)\"}");
    }
}
