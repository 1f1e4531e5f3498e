using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Pbm.Runtime.WebConsole;

/// <summary>
/// Serves the console's page, script and style, embedded in Pbm.Runtime (no files to ship beside the daemon, so
/// every build, ./pbm's included, has them). They load without the token: they hold no data, and the page then
/// asks for the token (login form or /?token=T) before calling the API. Everything else falls through.
/// </summary>
internal sealed class ConsoleAssets(RequestDelegate next)
{
    private static readonly FrozenDictionary<string, (string Resource, string ContentType)> Routes = new Dictionary<string, (string, string)>
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/index.html"] = ("index.html", "text/html; charset=utf-8"),
        ["/console.js"] = ("console.js", "text/javascript; charset=utf-8"),
        ["/console.css"] = ("console.css", "text/css; charset=utf-8"),
        ["/favicon.svg"] = ("favicon.svg", "image/svg+xml"),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, byte[]> Contents = Routes.Values.Select(r => r.Resource).Distinct()
        .ToFrozenDictionary(name => name, Load);

    // The page talks to any cluster the user adds (connect-src *), but runs only its own script and style, cannot
    // be framed, and never sends its address (which may hold ?token=) as a referrer.
    private const string Policy = "default-src 'self'; connect-src *; img-src 'self' data:; script-src 'self'; style-src 'self'; " +
                                  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || !Routes.TryGetValue(request.Path.Value ?? "", out var route))
            return next(context);
        var response = context.Response;
        var headers = response.Headers;
        response.ContentType = route.ContentType;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        var body = Contents[route.Resource];
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(ConsoleAssets).Assembly.GetManifestResourceStream("Pbm.Runtime.WebConsole." + name)
                           ?? throw new InvalidOperationException($"console asset {name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
