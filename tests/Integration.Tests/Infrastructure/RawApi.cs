using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>
/// The control API over TCP with the sandbox's token, as a script would call it: raw bodies, any method, a time
/// limit per request (a request that hangs fails the test instead of holding it).
/// </summary>
public sealed class RawApi : IDisposable
{
    private readonly HttpClient _http;

    private RawApi(string baseAddress, string token)
    {
        Token = token;
        BaseAddress = baseAddress;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = new Uri(baseAddress), Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Token { get; }

    public string BaseAddress { get; }

    /// <summary>Starts the sandbox's daemon with a TCP API on a free loopback port.</summary>
    public static async Task<RawApi> StartAsync(Sandbox box)
    {
        var port = Ports.Free();
        await box.OkAsync("daemon", "--api", $"127.0.0.1:{port}");
        var token = (await File.ReadAllTextAsync(Path.Combine(box.Home, "token"))).Trim();
        return new RawApi($"http://127.0.0.1:{port}", token);
    }

    /// <summary>Sends a request; the answer's status and body, read within <paramref name="limit"/> (10 s by default).</summary>
    public async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json",
        TimeSpan? limit = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        using var cts = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(10));
        try
        {
            using var response = await _http.SendAsync(request, cts.Token);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cts.Token));
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path} got no answer within {(limit ?? TimeSpan.FromSeconds(10)).TotalSeconds:0} s");
        }
    }

    public Task<(int Status, string Body)> PostAsync(string path, string? body = null) => SendAsync(HttpMethod.Post, path, body);

    /// <summary>The "error" field of a JSON body, or null when the body is not a JSON object with one.</summary>
    public static string? ErrorOf(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String
                ? e.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON string literal of <paramref name="text"/> (NULs and all escaped).</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text);

    public void Dispose() => _http.Dispose();
}
