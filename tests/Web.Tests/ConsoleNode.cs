using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Web.Tests;

/// <summary>A daemon in its own sandbox (PBM_HOME, free port) with the control API, hence the console, on TCP.</summary>
public sealed class ConsoleNode : IAsyncDisposable
{
    private ConsoleNode(Sandbox box, int port, string token)
    {
        Box = box;
        Port = port;
        Token = token;
    }

    public Sandbox Box { get; }
    public int Port { get; }
    public string Token { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    public static async Task<ConsoleNode> StartAsync()
    {
        var box = new Sandbox();
        var port = Ports.Free();
        await box.OkAsync("daemon", "--api", $"127.0.0.1:{port}");
        var token = (await File.ReadAllTextAsync(Path.Combine(box.Home, "token"))).Trim();
        return new ConsoleNode(box, port, token);
    }

    public static string Ticker => Path.Combine(Repo.Root, "tests", "Web.Tests", "apps", "ticker.js");

    public async Task<List<Client.Contracts.InstanceInfo>> InstancesAsync(string app) => await Box.InstancesAsync(app);

    public ValueTask DisposeAsync() => Box.DisposeAsync();
}
