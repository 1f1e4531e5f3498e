using System.Text.Json;
using System.Text.Json.Serialization;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Output;

/// <summary>
/// pbm jlist / prettylist: every instance in the shape of PM2's process list (name, pm_id, pid, monit, pm2_env),
/// so scripts and monitoring that parse `pm2 jlist` keep working; pbm's own fields ride along under <c>pbm</c>.
/// </summary>
internal static class Pm2List
{
    public static string Render(ListResult list, bool indented)
    {
        var processes = list.Apps.SelectMany(app => app.Instances.Select(i => Of(app, i))).ToList();
        var context = indented ? Pm2JsonContext.Indented : Pm2JsonContext.Default;
        return JsonSerializer.Serialize(processes, context.ListPm2Process);
    }

    private static Pm2Process Of(AppInfo app, InstanceInfo i)
    {
        var s = app.Spec;
        var uptime = i.StartedAt?.ToUnixTimeMilliseconds();
        return new Pm2Process(s.Name, i.PmId ?? -1, i.Pid ?? 0,
            new Pm2Monit(i.Memory ?? 0, i.Cpu ?? 0),
            new Pm2Env
            {
                Name = s.Name,
                PmId = i.PmId ?? -1,
                Status = Status(i.Status),
                RestartTime = i.Restarts,
                UnstableRestarts = i.UnstableRestarts,
                PmUptime = uptime,
                Instances = s.Instances,
                ExecMode = s.Port is null ? "fork_mode" : "cluster_mode",
                PmExecPath = s.Script,
                PmCwd = s.Cwd,
                ExecInterpreter = s.Interpreter ?? "none",
                Args = s.Args,
                NodeAppInstance = i.Index,
                Autorestart = s.Restart.AutoRestart,
                Watch = s.Watch is { Count: > 0 },
                ExitCode = i.LastExit?.Code,
                Version = $"v{i.Version}",
                Env = s.EnvOverrides,
            },
            new PbmFields(i.Id, i.Host, i.Status, s.Port, i.PrivatePort));
    }

    /// <summary>PM2's status words: pbm's waiting-restart is PM2's "waiting restart"; the rest are the same or pbm's own.</summary>
    private static string Status(string status) => status == InstanceStatus.WaitingRestart ? "waiting restart" : status;
}

internal sealed record Pm2Process(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("pm_id")] int PmId,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("monit")] Pm2Monit Monit,
    [property: JsonPropertyName("pm2_env")] Pm2Env Env,
    [property: JsonPropertyName("pbm")] PbmFields Pbm);

internal sealed record Pm2Monit([property: JsonPropertyName("memory")] long Memory, [property: JsonPropertyName("cpu")] double Cpu);

internal sealed record Pm2Env
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("pm_id")] public int PmId { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("restart_time")] public int RestartTime { get; init; }
    [JsonPropertyName("unstable_restarts")] public int UnstableRestarts { get; init; }
    [JsonPropertyName("pm_uptime")] public long? PmUptime { get; init; }
    [JsonPropertyName("instances")] public int Instances { get; init; }
    [JsonPropertyName("exec_mode")] public required string ExecMode { get; init; }
    [JsonPropertyName("pm_exec_path")] public required string PmExecPath { get; init; }
    [JsonPropertyName("pm_cwd")] public required string PmCwd { get; init; }
    [JsonPropertyName("exec_interpreter")] public required string ExecInterpreter { get; init; }
    [JsonPropertyName("args")] public IReadOnlyList<string> Args { get; init; } = [];
    [JsonPropertyName("NODE_APP_INSTANCE")] public int NodeAppInstance { get; init; }
    [JsonPropertyName("autorestart")] public bool Autorestart { get; init; }
    [JsonPropertyName("watch")] public bool Watch { get; init; }
    [JsonPropertyName("exit_code")] public int? ExitCode { get; init; }
    [JsonPropertyName("version")] public required string Version { get; init; }
    [JsonPropertyName("env")] public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
}

internal sealed record PbmFields(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("port")] int? Port,
    [property: JsonPropertyName("private_port")] int? PrivatePort);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(List<Pm2Process>))]
internal sealed partial class Pm2JsonContext : JsonSerializerContext
{
    public static Pm2JsonContext Indented { get; } = new(new JsonSerializerOptions { WriteIndented = true });
}
