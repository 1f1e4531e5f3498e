using System.Diagnostics;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Cluster;

/// <summary>
/// A real multi-process cluster on loopback: a lighthouse (seed, control API on TCP) and N workers, each a
/// separate pbm process with its own PBM_HOME and ports. Disposing stops every node and every instance.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<Process> _lighthouses = [];
    private readonly Dictionary<int, string> _addresses = [];

    private TestCluster(int workers, bool ownAddresses)
    {
        SeedPort = Ports.Free();
        ApiPort = Ports.Free();
        Lighthouse = new Sandbox();
        for (var i = 0; i < workers; i++)
        {
            var port = Ports.Free();
            Workers.Add((new Sandbox(), port));
            // Loopback has all of 127.0.0.0/8: each worker its own address, as hosts have, so each gateway can
            // listen on the same public port and instances are reached at their host's address, not 127.0.0.1.
            if (ownAddresses) _addresses[port] = $"127.0.0.{2 + i}";
        }
    }

    public int SeedPort { get; }
    public int ApiPort { get; }
    public Sandbox Lighthouse { get; }
    public List<(Sandbox Box, int Port)> Workers { get; } = [];
    public string Token => File.ReadAllText(Path.Combine(Lighthouse.Home, "token")).Trim();

    /// <summary>The host name pbm gives a node at this address (MACHINE@ADDRESS:PORT).</summary>
    public static string NodeName(int port, string address = "127.0.0.1") => Pbm.Client.Specs.HostNames.Of(Environment.MachineName, address, port);

    /// <summary>The host name of one of this cluster's workers, at its own address if it has one.</summary>
    public string NameOf(int workerPort) => NodeName(workerPort, AddressOf(workerPort));

    /// <summary>The address of a worker (its cluster address, its gateway's and its instances'); 127.0.0.1 unless own addresses were asked for.</summary>
    public string AddressOf(int workerPort) => _addresses.GetValueOrDefault(workerPort, "127.0.0.1");

    /// <param name="ownAddresses">Each worker on its own loopback address (127.0.0.2, .3...), its gateway bound there.</param>
    /// <param name="prepare">Called for the lighthouse's and every worker's sandbox before it starts (pbm.hocon, Env).</param>
    public static async Task<TestCluster> StartAsync(int workers, bool ownAddresses = false, Action<Sandbox>? prepare = null)
    {
        var cluster = new TestCluster(workers, ownAddresses);
        if (prepare is not null)
            foreach (var box in cluster.Workers.Select(w => w.Box).Prepend(cluster.Lighthouse)) prepare(box);
        try
        {
            cluster.StartLighthouse();
            // The lighthouse writes its token once its API listens; with no workers to wait for, that is the readiness.
            await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(Path.Combine(cluster.Lighthouse.Home, "token"))), ok => ok,
                "the lighthouse's API token", TimeSpan.FromSeconds(40));
            await Task.WhenAll(cluster.Workers.Select(w => cluster.StartWorkerAsync(w.Box, w.Port)));
            await Sandbox.EventuallyAsync(() => cluster.HostsAsync(), h => h.Count == workers, $"{workers} hosts to register", TimeSpan.FromSeconds(40));
            return cluster;
        }
        catch
        {
            // The caller never gets the cluster to dispose: stop what did start (a failed start leaked a lighthouse
            // and workers that kept retrying their join).
            await cluster.DisposeAsync();
            throw;
        }
    }

    public void StartLighthouse()
    {
        var psi = new ProcessStartInfo(Path.Combine(Repo.Bin, "pbm-lighthouse"))
        {
            UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = false,
        };
        foreach (var a in new[] { "--home", Lighthouse.Home, "--cluster-port", SeedPort.ToString(), "--api", $"127.0.0.1:{ApiPort}" }) psi.ArgumentList.Add(a);
        psi.Environment["PBM_HOME"] = Lighthouse.Home;
        foreach (var (k, v) in Lighthouse.Env) psi.Environment[k] = v;
        _lighthouses.Add(Process.Start(psi)!);
    }

    /// <param name="address">Its own loopback address (and its gateway's); by default the one this cluster gave the port, if any.</param>
    public async Task StartWorkerAsync(Sandbox box, int port, string? address = null)
    {
        string[] args = ["daemon", "--seeds", $"127.0.0.1:{SeedPort}", "--cluster-port", port.ToString()];
        if (address is not null || _addresses.TryGetValue(port, out address))
        {
            args = [.. args, "--cluster-ip", address];
            box.Env["PBM__GATEWAY__BIND"] = address;
        }
        var r = await box.RunAsync(TimeSpan.FromSeconds(60), args);
        if (r.ExitCode != 0 && Environment.GetEnvironmentVariable("PBM_TEST_KEEP_LOGS") is { Length: > 0 } keep)
        {
            var dir = Directory.CreateDirectory(Path.Combine(keep, $"cluster-{SeedPort}")).FullName;
            foreach (var (name, home) in Workers.Select(w => ($"worker-{w.Port}", w.Box.Home)).Append(("lighthouse", Lighthouse.Home)))
                if (File.Exists(Path.Combine(home, "pbm.log"))) File.Copy(Path.Combine(home, "pbm.log"), Path.Combine(dir, name + ".log"), true);
        }
        Assert.True(r.ExitCode == 0, $"worker on {port} did not start: {r}\n{Tail(box)}\n{Tail(Lighthouse)}");
    }

    /// <summary>The last lines of a node's pbm.log: what a failed start or join left behind.</summary>
    public static string Tail(Sandbox box, int lines = 40)
    {
        var log = Path.Combine(box.Home, "pbm.log");
        return File.Exists(log) ? $"--- {log} ---\n" + string.Join('\n', File.ReadLines(log).TakeLast(lines)) : $"(no {log})";
    }

    /// <summary>pbm against the lighthouse's TCP API with the token: remote control.</summary>
    public Task<CliResult> RemoteAsync(params string[] args) =>
        Lighthouse.RunAsync([.. args, "--endpoint", $"127.0.0.1:{ApiPort}", "--token", Token]);

    public async Task<List<HostInfo>> HostsAsync()
    {
        try
        {
            var r = await RemoteAsync("hosts", "--json");
            return r.ExitCode == 0 ? System.Text.Json.JsonSerializer.Deserialize(r.Stdout, PbmJsonContext.Default.ListHostInfo)! : [];
        }
        catch (Exception e) when (e is TimeoutException or System.Text.Json.JsonException)
        {
            return [];
        }
    }

    /// <summary>The members the lighthouse knows (any status); empty when it does not answer.</summary>
    public async Task<List<ClusterMemberInfo>> MembersAsync()
    {
        var r = await RemoteAsync("cluster", "show", "--json");
        return r.ExitCode == 0 ? System.Text.Json.JsonSerializer.Deserialize(r.Stdout, PbmJsonContext.Default.ClusterInfo)!.Members.ToList() : [];
    }

    public async Task<List<InstanceInfo>> InstancesAsync(string app)
    {
        var r = await RemoteAsync("list", "--json");
        if (r.ExitCode != 0) return [];
        var list = System.Text.Json.JsonSerializer.Deserialize(r.Stdout, PbmJsonContext.Default.ListResult)!;
        return list.Apps.Where(a => a.Spec.Name == app).SelectMany(a => a.Instances).OrderBy(i => i.Index).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (box, _) in Workers)
        {
            var pid = Sandbox.DaemonPid(box.Home);
            if (pid > 0 && ProcessTable.Alive(pid))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                }
            }
        }
        foreach (var p in _lighthouses)
        {
            try
            {
                p.Kill(true);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        foreach (var (box, _) in Workers) await box.DisposeAsync();
        await Lighthouse.DisposeAsync();
    }
}
