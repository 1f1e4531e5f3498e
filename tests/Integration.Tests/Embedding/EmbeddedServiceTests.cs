using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Embedding;

/// <summary>
/// examples/EmbeddedService, run by pbm itself as an instance of a real daemon that is the cluster's seed: it joins
/// as a host agent, runs an instance placed on it, and its greeter palette is discovered and run through `pbm`.
/// </summary>
public sealed class EmbeddedServiceTests
{
    [Fact]
    public async Task EmbeddedService_JoinsTheCluster_RunsAnInstance_AndItsPaletteRunsThroughPbm()
    {
        await using var box = new Sandbox();
        var seed = Ports.Free();
        var clusterPort = Ports.Free();
        var httpPort = Ports.Free();
        var daemonNode = Cluster.TestCluster.NodeName(seed);
        var embeddedNode = Cluster.TestCluster.NodeName(clusterPort);
        await box.OkAsync("daemon", "--seeds", $"127.0.0.1:{seed}", "--cluster-port", seed.ToString());
        await box.OkAsync("start", Repo.EmbeddedService, "--name", "embedded", "--hosts", daemonNode,
            "--env", $"PBM_SEEDS=127.0.0.1:{seed}", "--env", $"CLUSTER_PORT={clusterPort}", "--env", $"ASPNETCORE_URLS=http://127.0.0.1:{httpPort}");

        await Sandbox.EventuallyAsync(async () => await box.RunAsync("hosts"), r => r.Stdout.Contains(embeddedNode),
            "the embedded service to join as a host", TimeSpan.FromSeconds(60));
        using (var http = new HttpClient())
            Assert.Contains($"EmbeddedService on pbm node {embeddedNode}", await http.GetStringAsync($"http://127.0.0.1:{httpPort}/"));

        await box.OkAsync("start", Repo.App("idle.js"), "--hosts", embeddedNode);
        var idle = await Sandbox.EventuallyAsync(() => box.InstancesAsync("idle"), l => l is [{ Status: "online" }],
            "idle:0 online", TimeSpan.FromSeconds(30));
        Assert.Equal(embeddedNode, idle[0].Host);
        Assert.Contains(embeddedNode, await box.OkAsync("list"));

        // Discovered from the node at connect time, with help, completion, and the prompt.
        // A node's palettes reach the daemon by gossip after its host registers: under load that is later than
        // `pbm hosts` listing it, so wait for them as a user would (run it again), within seconds.
        var palettes = await Sandbox.EventuallyAsync(
            async () => JsonSerializer.Deserialize(await box.OkAsync("palettes", "--json"), PbmJsonContext.Default.ListPaletteInfo)!,
            l => l.Any(p => p.Palette.Name == "greeter" && p.Nodes.Contains(embeddedNode)), "the greeter palette of the embedded node", TimeSpan.FromSeconds(20));
        var greeter = Assert.Single(palettes, p => p.Palette.Name == "greeter");
        Assert.Equal([embeddedNode], greeter.Nodes);
        Assert.Equal($"Hello, Ann! (from {embeddedNode})\n", await box.OkAsync("greeter", "hello", "--name", "Ann"));
        Assert.Equal($"HELLO, BOB! (FROM {embeddedNode.ToUpperInvariant()})\n", await box.OkAsync("greeter", "hello", "--shout", "--name", "Bob"));
        Assert.Contains("how many greetings this node gave", await box.OkAsync("greeter", "--help"));
        Assert.Contains("--name V", await box.OkAsync("greeter", "hello", "--help"));
        var missing = await box.RunAsync("greeter", "hello");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("missing --name", missing.Stderr);
        var unknown = await box.RunAsync("greeter", "wave");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown command 'wave' of palette greeter", unknown.Stderr);
        var notAPalette = await box.RunAsync("frobnicate");
        Assert.Equal(2, notAPalette.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", notAPalette.Stderr);

        Assert.Contains("greeter", (await box.OkAsync("__complete", "palettes")).Split('\n'));
        Assert.Equal(["hello", "count"], (await box.OkAsync("__complete", "palette", "greeter")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["--name", "--shout"], (await box.OkAsync("__complete", "palette", "greeter", "hello")).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var repl = await box.RunWithInputAsync("greeter hello --name 'Cy D'\ngreeter count\nlist\nexit\n");
        Assert.True(repl.ExitCode == 0, repl.ToString());
        Assert.Contains($"[{daemonNode}] pbm> ", repl.Stdout);
        Assert.Contains("Hello, Cy D!", repl.Stdout);
        Assert.Contains("3 greetings so far", repl.Stdout);
        Assert.Contains("idle:0", repl.Stdout);
    }
}
