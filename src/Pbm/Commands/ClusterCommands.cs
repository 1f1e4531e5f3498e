using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Cli.Output;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Commands;

/// <summary>`pbm cluster ...`, `pbm hosts`, `pbm actor hierarchy`: the palettes Akka.NET users know from Petabridge.Cmd.</summary>
internal static class ClusterCommands
{
    public static async Task<int> RunAsync(Context c)
    {
        var sub = c.Args.Positionals.FirstOrDefault() ?? "show";
        var address = c.Args.Value("address");
        switch (sub)
        {
            case "show":
            case "status":
            case "leader":
            {
                var info = await c.CallAsync(cl => cl.ClusterAsync());
                if (c.Json)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(info, PbmJsonContext.Indented.ClusterInfo));
                    return 0;
                }
                if (sub == "leader")
                {
                    Console.Out.WriteLine(info.Leader ?? "no leader");
                    return 0;
                }
                if (sub == "status")
                {
                    var me = info.Members.FirstOrDefault(m => m.IsSelf);
                    Console.Out.WriteLine($"{info.Self}: {me?.Status ?? "not a member"}, {info.Members.Count} members, " +
                                          $"{info.Members.Count(m => !m.Reachable)} unreachable, leader {info.Leader ?? "none"}");
                    return 0;
                }
                foreach (var m in info.Members)
                    Console.Out.WriteLine($"{m.Address} | {string.Join(",", m.Roles)} | {m.Status} | {(m.Reachable ? "Reachable" : "Unreachable")}" +
                                          (m.IsLeader ? " | leader" : "") + (m.IsSelf ? " | self" : ""));
                Console.Out.WriteLine($"Count: {info.Members.Count} nodes");
                return 0;
            }
            case "join":
            case "leave":
            case "down":
                if (address is null) throw new UsageException($"pbm cluster {sub} needs -a ADDRESS");
                return Handlers.Print(c, await c.CallAsync(cl => cl.ClusterActAsync(sub, address)));
            case "down-unreachable":
                return Handlers.Print(c, await c.CallAsync(cl => cl.ClusterActAsync(sub, null)));
            case "tail":
            {
                using var cts = new CancellationTokenSource();
                Console.CancelKeyPress += (_, e) =>
                {
                    e.Cancel = true;
                    cts.Cancel();
                };
                try
                {
                    await foreach (var line in c.Client.ClusterTailAsync(cts.Token)) Console.Out.WriteLine(line);
                }
                catch (OperationCanceledException)
                {
                }
                return 0;
            }
            default:
                throw new UsageException($"unknown cluster command '{sub}': show, status, leader, join, leave, down, down-unreachable, tail");
        }
    }

    public static async Task<int> HostsAsync(Context c)
    {
        var hosts = await c.CallAsync(cl => cl.HostsAsync());
        if (c.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(hosts, PbmJsonContext.Indented.ListHostInfo));
            return 0;
        }
        var table = new Table("HOST", "ADDRESS", "INSTANCES", "ONLINE", "LOAD", "MEM FREE", "CPUS");
        foreach (var h in hosts)
            table.Add(Term.Bold(h.Node), h.Address, h.Instances.ToString(), h.Online.ToString(), h.Load1.ToString("0.00"),
                $"{h.MemoryAvailable / (1024 * 1024)} / {h.MemoryTotal / (1024 * 1024)} MB", h.Cpus.ToString());
        Console.Out.Write(table.Render());
        return 0;
    }

    public static async Task<int> ActorsAsync(Context c)
    {
        if (c.Args.Positionals.FirstOrDefault() is not "hierarchy") throw new UsageException("usage: pbm actor hierarchy [-d N]");
        var depth = c.Args.Int("depth") ?? 4;
        var tree = await c.CallAsync(cl => cl.ActorsAsync(depth));
        if (c.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(tree, PbmJsonContext.Indented.ActorTree));
            return 0;
        }
        foreach (var path in tree.Paths)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            Console.Out.WriteLine(new string(' ', 2 * (parts.Length - 2)) + (parts.Length > 2 ? "└ " : "") + parts[^1]);
        }
        return 0;
    }
}
