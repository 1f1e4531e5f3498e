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
    private const string Prefix = "Pbm.Runtime.WebConsole.";

    /// <summary>URL path to (content type, bytes): every file of wwwroot at "/NAME", and the page at "/" too.</summary>
    private static readonly FrozenDictionary<string, (string ContentType, byte[] Body)> Files = LoadAll();

    // The page talks to any cluster the user adds (connect-src *), but runs only its own script and style, cannot
    // be framed, and never sends its address (which may hold ?token=) as a referrer.
    private const string Policy = "default-src 'self'; connect-src *; img-src 'self' data:; script-src 'self'; style-src 'self'; " +
                                  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) || !Files.TryGetValue(request.Path.Value ?? "", out var file))
            return next(context);
        var response = context.Response;
        var headers = response.Headers;
        response.ContentType = file.ContentType;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        var body = file.Body;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, (string, byte[])> LoadAll()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files["/" + name] = (ContentType(name), copy.ToArray());
        }
        if (!files.TryGetValue("/index.html", out var page)) throw new InvalidOperationException("the console page (index.html) is not embedded");
        files["/"] = page;
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
