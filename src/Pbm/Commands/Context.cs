using Pbm.Cli.Cli;
using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Client.Transport;

namespace Pbm.Cli.Commands;

/// <summary>What every command needs: the parsed line, the home, and a client that starts the daemon on demand.</summary>
internal sealed class Context(ParsedArgs args)
{
    private PbmClient? _client;

    public ParsedArgs Args { get; } = args;
    public PbmHome Home { get; } = PbmHome.FromEnvironment();
    public bool Json => Args.Has("json");
    public List<string> Warnings { get; } = [];

    /// <summary>True when this invocation started the daemon (its start-up warnings are then shown).</summary>
    public bool StartedDaemon { get; private set; }

    public PbmEndpoint Endpoint
    {
        get
        {
            var endpoint = Args.Value("endpoint") ?? Environment.GetEnvironmentVariable("PBM_ENDPOINT");
            if (endpoint is null) return PbmEndpoint.Local(Home.Socket);
            var token = Args.Value("token") ?? Environment.GetEnvironmentVariable("PBM_TOKEN");
            return PbmEndpoint.Tcp(endpoint, token);
        }
    }

    public PbmClient Client => _client ??= new PbmClient(Endpoint);

    /// <summary>Runs <paramref name="call"/>; when no local daemon answers, starts one and tries again.</summary>
    public async Task<T> CallAsync<T>(Func<PbmClient, Task<T>> call)
    {
        try
        {
            return await call(Client);
        }
        catch (DaemonUnreachableException) when (Endpoint.IsLocal)
        {
            await EnsureDaemonAsync();
            return await call(Client);
        }
        catch (PbmException e) when (e.StatusCode == 503 && Endpoint.IsLocal && !e.Message.StartsWith(ApiError.DaemonStopping, StringComparison.Ordinal))
        {
            // Still starting: wait for it (a daemon that is stopping is not waited for, nor started again).
            await DaemonLauncher.WaitForPingAsync(Client, Home, TimeSpan.FromSeconds(30));
            return await call(Client);
        }
    }

    public async Task EnsureDaemonAsync()
    {
        if (!Json && !Console.IsErrorRedirected) await Console.Error.WriteLineAsync($"[pbm] starting the daemon in {Home.Root}");
        var ping = await DaemonLauncher.StartAsync(Home, Client, []);
        StartedDaemon = true;
        Warnings.AddRange(ping.Warnings);
    }
}
