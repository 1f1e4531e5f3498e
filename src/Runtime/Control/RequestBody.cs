using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Control;

/// <summary>
/// Reads a request's JSON body for an endpoint. No body (or only white space, or JSON null) is null, for the
/// endpoints whose body is optional; a body that is not the expected JSON is a 400 that says why (the serializer's
/// message names the field: "Path: $.instances"), never a silent "no body". At most pbm.api.max-body-size is kept;
/// the rest of a larger body is read and dropped, then answered 413 (a client that is still sending when the answer
/// comes, as HttpClient does without Expect: 100-continue, would otherwise see a broken pipe, not the 413).
/// </summary>
internal static class RequestBody
{
    /// <summary>
    /// Kestrel's own limit (MaxRequestBodySize): how much of a body over pbm.api.max-body-size is read and dropped so
    /// that its sender gets the 413. Past it Kestrel closes the connection.
    /// </summary>
    public const long DrainLimit = 64 << 20;

    /// <summary>How long dropping the rest of a body too large may take: a sender slower than that sees the connection closed.</summary>
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(3);

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> info, string what) where T : class
    {
        if (request.ContentLength is 0) return (null, null);
        var limit = request.HttpContext.RequestServices.GetRequiredService<Config.PbmSettings>().ApiMaxBodyBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                await DrainAsync(request);
                return (null, ControlApi.Error(TooLarge(limit, null), StatusCodes.Status413PayloadTooLarge));
            }
            buffer.Write(chunk, 0, n);
        }
        var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (json.IndexOfAnyExcept(" \t\r\n"u8) < 0) return (null, null);
        try
        {
            return (JsonSerializer.Deserialize(json, info), null);
        }
        catch (JsonException e)
        {
            return (null, ControlApi.Error($"invalid {what}: {e.Message}", 400));
        }
    }

    /// <summary>Reads what is left of the body and drops it, for at most <see cref="DrainTime"/>; a body past <see cref="DrainLimit"/> is Kestrel's to refuse.</summary>
    public static async Task DrainAsync(HttpRequest request)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        cts.CancelAfter(DrainTime);
        var chunk = new byte[64 * 1024];
        try
        {
            while (await request.Body.ReadAsync(chunk, cts.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or BadHttpRequestException or IOException)
        {
            // Too slow, too large or cut short: the connection ends with the answer.
        }
    }

    public static string TooLarge(long limit, long? length) =>
        $"request body too large{(length is { } n ? $" ({n} bytes)" : "")}: at most {limit} bytes (pbm.api.max-body-size)";

    /// <summary>Null when <paramref name="value"/> may go into a file path or an argument; else why not, naming <paramref name="field"/>.</summary>
    public static string? TextProblem(string field, string? value, int max = 4096)
    {
        if (value is null) return null;
        if (value.Contains('\0')) return $"{field}: '{Client.Specs.SpecValidator.Show(value)}' holds a NUL character";
        return value.Length > max ? $"{field}: longer than {max} characters" : null;
    }

    /// <summary>The JSON error body every failure of the API has.</summary>
    internal static byte[] ErrorJson(string message) => JsonSerializer.SerializeToUtf8Bytes(new ApiError(message), PbmJsonContext.Default.ApiError);
}
