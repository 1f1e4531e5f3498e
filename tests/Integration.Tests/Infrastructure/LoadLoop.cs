using System.Collections.Concurrent;
using System.Text.Json;

namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>
/// A bounded load: <c>concurrency</c> loops of GET against the gateway until stopped (or a hard time limit),
/// counting successes, failures (with their reasons) and the pids that answered.
/// </summary>
public sealed class LoadLoop : IAsyncDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly Task[] _loops;
    private int _ok;

    /// <param name="host">The gateway's address (another loopback address for another host of a test cluster).</param>
    /// <param name="post">POST instead of GET: not idempotent, so never retried by the gateway on another instance.</param>
    public LoadLoop(int port, int concurrency = 4, string path = "/", string host = "127.0.0.1", bool post = false)
    {
        _post = post;
        _loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => RunAsync($"http://{host}:{port}{path}"))).ToArray();
    }

    private readonly bool _post;

    public int Ok => Volatile.Read(ref _ok);
    public ConcurrentBag<string> Failures { get; } = [];
    public ConcurrentDictionary<int, int> Pids { get; } = new();

    private async Task RunAsync(string url)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = _post
                    ? await _http.PostAsync(url, new StringContent("x"), _stop.Token)
                    : await _http.GetAsync(url, _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                if (!response.IsSuccessStatusCode)
                {
                    Failures.Add($"{(int)response.StatusCode} {body.Trim()}");
                    continue;
                }
                using var doc = JsonDocument.Parse(body);
                Pids.AddOrUpdate(doc.RootElement.GetProperty("pid").GetInt32(), 1, (_, n) => n + 1);
                Interlocked.Increment(ref _ok);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Failures.Add(e.GetBaseException().Message);
            }
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _stop.Dispose();
    }
}
