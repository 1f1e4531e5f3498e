using System.Net.Sockets;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// Is a new instance ready for traffic? "tcp": its private port accepts a connection (at the address the gateway
/// reaches it). "http:/path": that path answers 2xx. Probed every 25 ms until ready, the process exits, or the
/// listen timeout passes. "message": the app sends "ready" over its IPC channel (Node: process.send('ready'), see
/// <see cref="Processes.ChildProcess"/>).
/// </summary>
internal static class Readiness
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(1) })
    {
        Timeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Null once the app sent "ready", else why not.</summary>
    public static async Task<string?> WaitForMessageAsync(Task<bool> readyMessage, TimeSpan timeout)
    {
        if (await Task.WhenAny(readyMessage, Task.Delay(timeout)).ConfigureAwait(false) != readyMessage)
            return $"did not send 'ready' within {timeout.TotalSeconds:0.#} s (process.send('ready'))";
        return await readyMessage.ConfigureAwait(false) ? null : "closed its IPC channel before it sent 'ready'";
    }

    /// <summary>Null when ready, else why not.</summary>
    public static async Task<string?> WaitAsync(string check, string address, int port, TimeSpan timeout, Func<bool> stillRunning)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (!stillRunning()) return "exited before it was ready";
            try
            {
                if (check.StartsWith("http:", StringComparison.Ordinal))
                {
                    var path = check[5..];
                    if (!path.StartsWith('/')) path = "/" + path;
                    using var response = await Http.GetAsync($"http://{(address.Contains(':') ? "[" + address + "]" : address)}:{port}{path}").ConfigureAwait(false);
                    if ((int)response.StatusCode is >= 200 and < 300) return null;
                    last = $"GET {path} answered {(int)response.StatusCode}";
                }
                else
                {
                    using var client = new TcpClient();
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await client.ConnectAsync(address, port, cts.Token).ConfigureAwait(false);
                    return null;
                }
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or TaskCanceledException)
            {
                last = check.StartsWith("http:", StringComparison.Ordinal) ? $"GET failed: {e.Message}" : $"port {port} refuses connections";
            }
            await Task.Delay(25).ConfigureAwait(false);
        }
        return $"not ready within {timeout.TotalSeconds:0.#} s ({last})";
    }
}
