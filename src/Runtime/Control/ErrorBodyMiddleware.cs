using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pbm.Runtime.Control;

/// <summary>
/// The outermost middleware of the control API: every answer it gives has words. A body larger than
/// pbm.api.max-body-size is refused with 413 before any endpoint sees it (when its Content-Length says so; a chunked
/// one when RequestBody's read passes the limit); a request Kestrel finds malformed while it is read keeps Kestrel's
/// status; a status set without a body (404 no such endpoint, 405 wrong method, 400 a query parameter that does not bind) gets
/// one; and, as a last resort, an exception nobody caught is logged and answered with a JSON 500 that names it.
/// Bad input is meant to be a 400 from its endpoint: a 500 here is a bug to fix.
/// </summary>
internal sealed class ErrorBodyMiddleware(RequestDelegate next, Config.PbmSettings settings, ILogger<ErrorBodyMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > settings.ApiMaxBodyBytes)
        {
            // Dropped, not read into memory (see RequestBody.DrainAsync), and never handed to an endpoint.
            if (request.ContentLength <= RequestBody.DrainLimit) await RequestBody.DrainAsync(request);
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, RequestBody.TooLarge(settings.ApiMaxBodyBytes, request.ContentLength));
            return;
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e)
        {
            if (context.Response.HasStarted) return;
            await WriteAsync(context, e.StatusCode,
                e.StatusCode == StatusCodes.Status413PayloadTooLarge ? RequestBody.TooLarge(settings.ApiMaxBodyBytes, null) : $"bad request: {e.Message}");
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // The client went away: nobody to answer.
        }
        catch (Exception e)
        {
            log.LogError(e, "{Method} {Path} failed with an unexpected {Exception}", request.Method, Show(request.Path.Value), e.GetType().Name);
            if (context.Response.HasStarted) throw;
            await WriteAsync(context, StatusCodes.Status500InternalServerError,
                $"internal error in pbm ({e.GetType().Name}: {e.Message.Split('\n')[0]}); details are in the daemon's pbm.log");
            return;
        }
        var response = context.Response;
        if (response.HasStarted || response.StatusCode < 400 || response.ContentLength is not null || response.ContentType is not null) return;
        var path = Show(request.Path.Value);
        var words = response.StatusCode switch
        {
            StatusCodes.Status404NotFound => $"no such endpoint: {request.Method} {path}",
            StatusCodes.Status405MethodNotAllowed => $"method {request.Method} is not allowed on {path}" +
                                                     (response.Headers.Allow.Count > 0 ? $" (allowed: {response.Headers.Allow})" : ""),
            StatusCodes.Status400BadRequest => $"bad request: {request.Method} {path}{Show(request.QueryString.Value)} (a parameter has the wrong type or is missing)",
            var status => $"{request.Method} {path}: HTTP {status}",
        };
        await WriteAsync(context, response.StatusCode, words);
    }

    private static string Show(string? text) => Client.Specs.SpecValidator.Show(text ?? "");

    private static async Task WriteAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        // Headers set so far stay (CORS: the console reads the words of a failure from another origin).
        response.StatusCode = status;
        response.ContentLength = null;
        response.ContentType = "application/json; charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await response.Body.WriteAsync(RequestBody.ErrorJson(message), context.RequestAborted);
    }
}
