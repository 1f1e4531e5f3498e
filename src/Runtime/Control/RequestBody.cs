using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Control;

/// <summary>
/// Reads a request's JSON body for an endpoint. No body (or only white space, or JSON null) is null, for the
/// endpoints whose body is optional; a body that is not the expected JSON is a 400 that says why (the serializer's
/// message names the field: "Path: $.instances"), never a silent "no body". Kestrel's
/// <c>MaxRequestBodySize</c> (pbm.api.max-body-size) bounds what is read; past it the read throws a 413 that
/// <see cref="ErrorBodyMiddleware"/> answers.
/// </summary>
internal static class RequestBody
{
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> info, string what) where T : class
    {
        if (request.ContentLength is 0) return (null, null);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return (null, null);
        try
        {
            return (JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), info), null);
        }
        catch (JsonException e)
        {
            return (null, ControlApi.Error($"invalid {what}: {e.Message}", 400));
        }
    }

    /// <summary>Null when <paramref name="value"/> may go into a file path or an argument; else why not, naming <paramref name="field"/>.</summary>
    public static string? TextProblem(string field, string? value, int max = 4096)
    {
        if (value is null) return null;
        if (value.Contains('\0')) return $"{field}: '{Client.Specs.SpecValidator.Show(value)}' holds a NUL character";
        return value.Length > max ? $"{field}: longer than {max} characters" : null;
    }

    internal static IResult Problem(string message) => ControlApi.Error(message, 400);

    /// <summary>The JSON error body every failure of the API has.</summary>
    internal static byte[] ErrorJson(string message) => JsonSerializer.SerializeToUtf8Bytes(new ApiError(message), PbmJsonContext.Default.ApiError);
}
