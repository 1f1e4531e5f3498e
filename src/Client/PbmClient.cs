using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pbm.Client.Contracts;
using Pbm.Client.Transport;

namespace Pbm.Client;

/// <summary>
/// Typed client of the control API (HTTP + JSON), over the local Unix socket or TCP with the token.
/// Every CLI command goes through it.
/// </summary>
public sealed class PbmClient : IDisposable
{
    private readonly HttpClient _http;

    public PbmClient(PbmEndpoint endpoint, TimeSpan? timeout = null)
    {
        Endpoint = endpoint;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        if (endpoint.IsLocal)
        {
            var path = endpoint.SocketPath!;
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        if (endpoint.Secure && Environment.GetEnvironmentVariable("PBM_CA") is { Length: > 0 } caFile)
        {
            // Trust exactly this CA (or self-signed certificate) for the API, as well as the system store.
            var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == System.Net.Security.SslPolicyErrors.None) return true;
                if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return chain.Build(new System.Security.Cryptography.X509Certificates.X509Certificate2(certificate));
            };
        }
        _http = new HttpClient(handler)
        {
            BaseAddress = endpoint.IsLocal ? new Uri("http://pbm.local/")
                : new Uri($"{(endpoint.Secure ? "https" : "http")}://{endpoint.Host}:{endpoint.Port}/"),
            Timeout = timeout ?? Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestVersion = HttpVersion.Version11;
        if (endpoint.Token is { Length: > 0 } token)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public PbmEndpoint Endpoint { get; }

    private static PbmJsonContext Json => PbmJsonContext.Default;

    public Task<PingResult> PingAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "api/ping", null, Json.PingResult, ct);

    public Task<ListResult> ListAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "api/apps", null, Json.ListResult, ct);

    public Task<AppInfo> ShowAsync(string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"api/apps/{Uri.EscapeDataString(target)}", null, Json.AppInfo, ct);

    public Task<OperationResult> StartAsync(AppSpec spec, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/apps", Body(spec, Json.AppSpec), Json.OperationResult, ct);

    /// <summary>Starts an app that exists but is stopped (pbm start NAME).</summary>
    public Task<OperationResult> StartExistingAsync(string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(target)}/start", null, Json.OperationResult, ct);

    public Task<OperationResult> StopAsync(string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(target)}/stop", null, Json.OperationResult, ct);

    /// <summary>Restarts instances; with <paramref name="spec"/> (pbm restart --update-env) the app's spec is replaced by it first.</summary>
    public Task<OperationResult> RestartAsync(string target, AppSpec? spec = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(target)}/restart", Body(new RestartRequest(Spec: spec), Json.RestartRequest), Json.OperationResult, ct);

    /// <summary>The environment an instance runs with (app means app:0).</summary>
    public Task<InstanceEnv> EnvAsync(string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"api/apps/{Uri.EscapeDataString(target)}/env", null, Json.InstanceEnv, ct);

    public Task<OperationResult> DeleteAsync(string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/apps/{Uri.EscapeDataString(target)}", null, Json.OperationResult, ct);

    /// <param name="count">N, +N, -N, or MIN..MAX with <paramref name="autoscale"/>'s targets.</param>
    public Task<OperationResult> ScaleAsync(string app, string count, AutoscaleSpec? autoscale = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(app)}/scale",
            Body(new ScaleRequest(count) { Autoscale = autoscale }, Json.ScaleRequest), Json.OperationResult, ct);

    /// <summary>A rolling reload; returns when it is done (see <see cref="FollowRolloutAsync"/>).</summary>
    public async Task<OperationResult> ReloadAsync(string app, int parallel = 1, CancellationToken ct = default) =>
        await FollowRolloutAsync(app, await SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(app)}/reload",
            Body(new ReloadRequest(parallel), Json.ReloadRequest), Json.OperationResult, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    public async Task<OperationResult> RollbackAsync(string app, int parallel = 1, CancellationToken ct = default) =>
        await FollowRolloutAsync(app, await SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(app)}/rollback",
            Body(new ReloadRequest(parallel), Json.ReloadRequest), Json.OperationResult, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    public async Task<OperationResult> DeployAsync(string app, AppSpec spec, int parallel = 1, CancellationToken ct = default) =>
        await FollowRolloutAsync(app, await SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(app)}/deploy",
            Body(new DeployRequest(spec, parallel), Json.DeployRequest), Json.OperationResult, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    /// <summary>How often a rollout still running is looked at.</summary>
    private static readonly TimeSpan RolloutPoll = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A rollout the daemon answered "in progress" (it took longer than its command-wait) is followed here, through
    /// `show`, until it is done (its answer then) or halted (a failure, as the daemon would have answered it). Should
    /// its state be gone (the master moved to another node), the in-progress answer is the result.
    /// </summary>
    private async Task<OperationResult> FollowRolloutAsync(string app, OperationResult answer, CancellationToken ct)
    {
        if (!answer.InProgress) return answer;
        while (true)
        {
            await Task.Delay(RolloutPoll, ct).ConfigureAwait(false);
            var shown = await ShowAsync(app, ct).ConfigureAwait(false);
            switch (shown.Rollout)
            {
                case null:
                    return answer;
                case { State: "running" }:
                    continue;
                case { State: "halted" } halted:
                    throw new PbmException(halted.Message ?? $"the {halted.Kind} of {app} halted: {halted.Reason}", 1, 500);
                case var done:
                    return new OperationResult(done.Message ?? $"{done.Kind} of {app} done", shown.Instances);
            }
        }
    }

    /// <summary>Zeroes instances' restart counters (PM2's reset).</summary>
    public Task<OperationResult> ResetAsync(string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(target)}/reset", null, Json.OperationResult, ct);

    /// <summary>Sends a signal to instances' processes (PM2's sendSignal).</summary>
    public Task<OperationResult> SignalAsync(string target, string signal, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(target)}/signal", Body(new SignalRequest(signal), Json.SignalRequest), Json.OperationResult, ct);

    public Task<OperationResult> DisconnectAsync(string target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/apps/{Uri.EscapeDataString(target)}/disconnect", null, Json.OperationResult, ct);

    public Task<ClusterInfo> ClusterAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "api/cluster", null, Json.ClusterInfo, ct);

    /// <summary>join | leave | down an address, or down-unreachable (address ignored).</summary>
    public Task<OperationResult> ClusterActAsync(string action, string? address, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/cluster/{action}", address is null ? null : Body(new ClusterAddressRequest(address), Json.ClusterAddressRequest), Json.OperationResult, ct);

    public Task<List<HostInfo>> HostsAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "api/hosts", null, Json.ListHostInfo, ct);

    public Task<ActorTree> ActorsAsync(int depth, CancellationToken ct = default) => SendAsync(HttpMethod.Get, $"api/actors?depth={depth}", null, Json.ActorTree, ct);

    /// <summary>Membership events as the node sees them, one line each, until cancelled.</summary>
    public IAsyncEnumerable<string> ClusterTailAsync(CancellationToken ct = default) => LinesAsync("api/cluster/tail", ct);

    /// <summary>The command palettes every reachable node of the cluster registered.</summary>
    public Task<List<PaletteInfo>> PalettesAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "api/palettes", null, Json.ListPaletteInfo, ct);

    /// <summary>Runs a palette command (pbm PALETTE COMMAND --ARG V) on a node that registered the palette.</summary>
    public Task<PaletteResult> RunPaletteAsync(string palette, string command, IReadOnlyDictionary<string, string>? arguments = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/palettes/{Uri.EscapeDataString(palette)}/{Uri.EscapeDataString(command)}",
            Body(new PaletteRequest(arguments ?? new Dictionary<string, string>()), Json.PaletteRequest), Json.PaletteResult, ct);

    /// <summary>
    /// Events until cancelled: first the current instances, then every app or instance change (status, host, pid,
    /// restarts) and cluster membership change.
    /// </summary>
    public async IAsyncEnumerable<PbmEvent> EventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var line in LinesAsync("api/events", ct).ConfigureAwait(false))
            if (JsonSerializer.Deserialize(line, Json.PbmEvent) is { } e) yield return e;
    }

    /// <summary>The non-empty lines of a streaming (application/x-ndjson) answer, until it ends or <paramref name="ct"/> is cancelled.</summary>
    private async IAsyncEnumerable<string> LinesAsync(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (IsUnreachable(e) || (Endpoint.IsLocal && e.StatusCode is null))
        {
            throw new DaemonUnreachableException($"no daemon answers at {Endpoint}", e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw Failure(response, await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false));
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), Encoding.UTF8);
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                }
                catch (IOException) when (!ct.IsCancellationRequested)
                {
                    throw new PbmException($"lost the daemon at {Endpoint}");
                }
                if (line is null) yield break;
                if (line.Length > 0) yield return line;
            }
        }
    }

    public Task<DumpResult> SaveAsync(string? name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/save", Body(new DumpRequest(name), Json.DumpRequest), Json.DumpResult, ct);

    public Task<DumpResult> ResurrectAsync(string? name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/resurrect", Body(new DumpRequest(name), Json.DumpRequest), Json.DumpResult, ct);

    /// <summary>Stops every app and the daemon; the answer comes once the apps are down.</summary>
    public Task<OperationResult> KillAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/kill", null, Json.OperationResult, ct);

    /// <summary>Empties the log files of an app, an instance, or every app (target null).</summary>
    public Task<OperationResult> FlushAsync(string? target, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, target is null ? "api/logs/flush" : $"api/logs/flush?target={Uri.EscapeDataString(target)}", null, Json.OperationResult, ct);

    /// <summary>
    /// The last <paramref name="lines"/> lines of each instance (of <paramref name="target"/>, or of every app), merged
    /// by time; with <paramref name="follow"/>, then every new line until <paramref name="ct"/> is cancelled.
    /// <paramref name="stream"/> is "out", "err" or null for both.
    /// </summary>
    public async IAsyncEnumerable<LogEntry> LogsAsync(string? target, int lines, string? stream, bool follow,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var query = new StringBuilder("api/logs?lines=").Append(lines);
        if (target is not null) query.Append("&target=").Append(Uri.EscapeDataString(target));
        if (stream is not null) query.Append("&stream=").Append(stream);
        if (follow) query.Append("&follow=true");
        await foreach (var line in LinesAsync(query.ToString(), ct).ConfigureAwait(false))
        {
            if (JsonSerializer.Deserialize(line, Json.LogEntry) is { } entry) yield return entry;
        }
    }

    private PbmException Failure(HttpResponseMessage response, byte[] bytes)
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            return new PbmException($"unauthorized: {Endpoint} refused the token (pass --token T or PBM_TOKEN; the token is in PBM_HOME/token on that node)", 1, status);
        try
        {
            return new PbmException(JsonSerializer.Deserialize(bytes, Json.ApiError)?.Error ?? Encoding.UTF8.GetString(bytes), 1, status);
        }
        catch (JsonException)
        {
            return new PbmException($"daemon answered {status}: {Encoding.UTF8.GetString(bytes)}", 1, status);
        }
    }

    private static ByteArrayContent Body<T>(T value, JsonTypeInfo<T> info)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, info));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> info, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (IsUnreachable(e) || (Endpoint.IsLocal && e.StatusCode is null))
        {
            throw new DaemonUnreachableException($"no daemon answers at {Endpoint}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new PbmException($"the daemon at {Endpoint} did not answer in time", 1, null) { Source = e.Source };
        }
        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
                return JsonSerializer.Deserialize(bytes, info) ?? throw new PbmException("empty answer from the daemon");
            throw Failure(response, bytes);
        }
    }

    private static bool IsUnreachable(HttpRequestException e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException se && se.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable
                    or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
                return true;
            if (x is SocketException { ErrorCode: 2 }) return true; // ENOENT: no socket file
            if (x is SocketException { SocketErrorCode: SocketError.AddressFamilyNotSupported }) return true;
        }
        return e.HttpRequestError == HttpRequestError.ConnectionError;
    }

    public void Dispose() => _http.Dispose();
}
