using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Hosting;
using Pbm.Runtime.Master;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Control;

/// <summary>
/// The control API (HTTP + JSON) every client uses: the pbm CLI, the web console, scripts. Each endpoint is
/// one Ask to the master singleton (through its proxy), so any node answers for the whole cluster. Every request
/// is answered in seconds: a read within ask-timeout, a command within command-wait (202 "in progress" when the
/// hosts are still at it), and at once, 503, when the daemon begins to stop, so no request holds up its stop.
/// </summary>
internal static class ControlApi
{
    /// <summary>Ends every wait of the API when the daemon begins to stop (set by <see cref="Map"/>).</summary>
    internal static CancellationToken StoppingToken { get; private set; }

    public static void Map(IEndpointRouteBuilder api, DaemonInfo info)
    {
        StoppingToken = api.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        api.MapGet("/api/ping", async (ActorRegistry registry, PbmSettings settings) =>
        {
            var readiness = await AskOrNull<Readiness>(registry, GetReadiness.Instance, TimeSpan.FromSeconds(2));
            if (readiness is null || !readiness.Ready)
                return Error("the daemon is starting (master not ready yet)", 503);
            return Json(new PingResult
            {
                Pid = Environment.ProcessId, Version = info.Version, Node = settings.NodeName,
                StartedAt = info.StartedAt, Home = info.Home.Root, Warnings = readiness.Warnings, Api = info.Api,
            }, PbmJsonContext.Default.PingResult);
        });
        api.MapGet("/api/apps", (ActorRegistry r, PbmSettings s) => Send(r, s, GetApps.Instance, s.AskTimeout + TimeSpan.FromSeconds(5), ReadAttempt));
        api.MapGet("/api/apps/{target}", (string target, ActorRegistry r, PbmSettings s) => Send(r, s, new GetApp(target), s.AskTimeout + TimeSpan.FromSeconds(5), ReadAttempt));
        api.MapPost("/api/apps", async (HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.AppSpec, "app spec");
            if (bad is not null) return bad;
            if (Validate(body, r, out var spec) is { } problem) return Error(problem, 400);
            return await Send(r, s, new StartApp(spec!));
        });
        api.MapPost("/api/apps/{target}/start", (string target, ActorRegistry r, PbmSettings s) => Send(r, s, new StartExisting(target)));
        api.MapPost("/api/apps/{target}/stop", (string target, ActorRegistry r, PbmSettings s) => Send(r, s, new Stop(target)));
        api.MapPost("/api/apps/{target}/restart", async (string target, HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.RestartRequest, "restart request");
            if (bad is not null) return bad;
            if (body?.Spec is null) return await Send(r, s, new Restart(target));
            if (Validate(body.Spec with { Name = target }, r, out var spec) is { } problem) return Error(problem, 400);
            return await Send(r, s, new Restart(target, spec!));
        });
        api.MapDelete("/api/apps/{target}", (string target, ActorRegistry r, PbmSettings s) => Send(r, s, new Delete(target)));
        api.MapPost("/api/apps/{target}/scale", async (string target, HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.ScaleRequest, "scale request");
            if (bad is not null) return bad;
            return body?.Count is null ? Error("missing count: expected N, +N, -N or MIN..MAX", 400)
                : await Send(r, s, new Scale(target, body.Count) { Autoscale = body.Autoscale });
        });
        api.MapPost("/api/apps/{target}/reload", async (string target, HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.ReloadRequest, "reload request");
            if (bad is not null) return bad;
            return await Send(r, s, new Reload(target, Math.Max(1, body?.Parallel ?? 1)));
        });
        api.MapPost("/api/apps/{target}/rollback", async (string target, HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.ReloadRequest, "rollback request");
            if (bad is not null) return bad;
            return await Send(r, s, new Rollback(target, Math.Max(1, body?.Parallel ?? 1)));
        });
        api.MapPost("/api/apps/{target}/deploy", async (string target, HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.DeployRequest, "deploy request");
            if (bad is not null) return bad;
            if (body?.Spec is null) return Error("missing the new version's spec", 400);
            if (Validate(body.Spec with { Name = target }, r, out var spec) is { } problem) return Error(problem, 400);
            return await Send(r, s, new Messages.MasterProtocol.Deploy(spec!, Math.Max(1, body.Parallel)));
        });
        api.MapPost("/api/apps/{target}/reset", (string target, ActorRegistry r, PbmSettings s) => Send(r, s, new ResetCounters(target)));
        api.MapPost("/api/apps/{target}/signal", async (string target, HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.SignalRequest, "signal request");
            if (bad is not null) return bad;
            if (body?.Signal is not { } name) return Error("missing signal: expected a name such as SIGUSR2, or a number", 400);
            return Client.Specs.Signals.Normalize(name) is { } signal
                ? await Send(r, s, new SendSignal(target, signal))
                : Error($"unknown signal '{name}'", 400);
        });
        api.MapPost("/api/apps/{target}/disconnect", (string target, ActorRegistry r, PbmSettings s) => Send(r, s, new Disconnect(target)));
        api.MapPost("/api/save", async (HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.DumpRequest, "save request");
            if (bad is not null) return bad;
            return DumpPath(info, body?.Name, out var path) is { } problem ? Error(problem, 400) : await Send(r, s, new Save(path));
        });
        api.MapPost("/api/resurrect", async (HttpRequest request, ActorRegistry r, PbmSettings s) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, PbmJsonContext.Default.DumpRequest, "resurrect request");
            if (bad is not null) return bad;
            return DumpPath(info, body?.Name, out var path) is { } problem ? Error(problem, 400) : await Send(r, s, new Resurrect(path));
        });
        LogsApi.Map(api);
        EnvApi.Map(api);
        MetricsApi.Map(api);
        api.MapPost("/api/kill", async (ActorSystem system, ActorRegistry r, PbmSettings s, IHostApplicationLifetime lifetime, HttpContext context) =>
        {
            // A node that is not (or no longer) a member has no master to ask and runs no instances: it just stops
            // (asking would wait out the command's wait; a node that could not join hung `pbm kill` that long).
            // Apps still stopping when the master answers are stopped by the daemon's own shutdown (StopAllLocal).
            var member = Akka.Cluster.Cluster.Get(system).SelfMember.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp;
            var result = member
                ? await Send(r, s, KillAll.Instance)
                : Results.Json(new OperationResult("daemon stopped (it was not a member of the cluster: no apps to stop)", []), PbmJsonContext.Default.OperationResult);
            context.Response.OnCompleted(() =>
            {
                lifetime.StopApplication();
                return Task.CompletedTask;
            });
            return result;
        });
    }

    /// <summary>
    /// Null when <paramref name="body"/> is a usable spec (<see cref="Client.Specs.SpecValidator"/>, and on a node that
    /// runs instances, a cwd that exists here: a missing one would only fail every start); else every problem, in words.
    /// </summary>
    internal static string? Validate(AppSpec? body, ActorRegistry registry, out AppSpec? spec)
    {
        var errors = Client.Specs.SpecValidator.Check(body, out spec);
        if (errors.Count == 0 && registry.TryGet<HostAgentKey>(out _) && !Directory.Exists(spec!.Cwd))
            errors = [$"cwd: no such directory {Client.Specs.SpecValidator.Show(spec.Cwd)} on this node"];
        return errors.Count == 0 ? null : $"invalid app spec: {string.Join("; ", errors)}";
    }

    /// <summary>Null when <paramref name="name"/> can name a dump file (see PbmHome.DumpFile); else why not.</summary>
    private static string? DumpProblem(string? name)
    {
        if (RequestBody.TextProblem("name", name) is { } problem) return $"invalid dump name: {problem}";
        if (name is null || (!name.Contains('/') && !name.EndsWith(".json", StringComparison.Ordinal))) return null;
        var path = Path.GetFullPath(name);
        if (name.EndsWith('/') || Directory.Exists(path)) return $"invalid dump name: {Client.Specs.SpecValidator.Show(name)} is a folder; give a file's path";
        return Path.GetDirectoryName(path) is { } folder && Directory.Exists(folder)
            ? null
            : $"invalid dump name: no such folder for {Client.Specs.SpecValidator.Show(path)}";
    }

    /// <summary>
    /// One try of a read (list, show). A read sent while the master's node is dying goes to the dead singleton and
    /// is lost; trying again reaches the new master as soon as it runs. Longer than a list's wait for a silent host.
    /// </summary>
    private static readonly TimeSpan ReadAttempt = TimeSpan.FromSeconds(6);

    /// <summary>
    /// How long a command's requester waits for the master: the master answers by command-wait (in progress, if need
    /// be), then lists the instances (a few seconds); more means the master is gone (moving to another node).
    /// </summary>
    internal static TimeSpan CommandTimeout(PbmSettings settings) => settings.CommandWait + settings.ListWait + TimeSpan.FromSeconds(3);

    /// <summary>The dump file a save or resurrect names (<see cref="DumpProblem"/>); why not, when it cannot be one.</summary>
    private static string? DumpPath(DaemonInfo info, string? name, out string path)
    {
        path = "";
        if (DumpProblem(name) is { } problem) return problem;
        try
        {
            path = info.Home.DumpFile(name);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"invalid dump name: {Client.Specs.SpecValidator.Show(name!)}: {e.Message}";
        }
    }

    /// <param name="timeout">How long to wait for the master's answer; a command's by default (<see cref="CommandTimeout"/>).</param>
    /// <param name="attempt">For reads only (they may be repeated): the time of one try, asked again until <paramref name="timeout"/>.</param>
    internal static async Task<IResult> Send(ActorRegistry registry, PbmSettings settings, ICommand command, TimeSpan? timeout = null, TimeSpan? attempt = null)
    {
        object answer;
        var wait = timeout ?? CommandTimeout(settings);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            try
            {
                var master = await registry.GetAsync<MasterKey>(StoppingToken);
                answer = await master.Ask<object>(command, attempt is { } a && a < left ? a : left, StoppingToken);
                break;
            }
            catch (AskTimeoutException) when (attempt is not null && deadline - DateTime.UtcNow > TimeSpan.FromMilliseconds(500))
            {
                // Try again: see ReadAttempt.
            }
            catch (AskTimeoutException)
            {
                return Error($"the master did not answer within {wait.TotalSeconds:0} s (it may be moving to another node); pbm list shows what was done", 504);
            }
            catch (OperationCanceledException) when (StoppingToken.IsCancellationRequested)
            {
                return StoppingAnswer();
            }
        }
        return Answer(answer);
    }

    /// <summary>The HTTP answer to a master's answer: a command still in progress is 202.</summary>
    internal static IResult Answer(object answer) => answer switch
    {
        Failed f => Error(f.Error, f.Status),
        ListResult l => Json(l, PbmJsonContext.Default.ListResult),
        AppInfo a => Json(a, PbmJsonContext.Default.AppInfo),
        OperationResult { InProgress: true } o => Results.Json(o, PbmJsonContext.Default.OperationResult, statusCode: StatusCodes.Status202Accepted),
        OperationResult o => Json(o, PbmJsonContext.Default.OperationResult),
        DumpResult d => Json(d, PbmJsonContext.Default.DumpResult),
        Status.Failure sf => Error(sf.Cause.Message, 500),
        _ => Error($"unexpected answer {answer.GetType().Name}", 500),
    };

    /// <summary>The answer to a request still waiting when the daemon begins to stop.</summary>
    internal static IResult StoppingAnswer() =>
        Error($"{ApiError.DaemonStopping}: this request was cut short (its work may be done in part; pbm list shows the state once a daemon runs)", 503);

    /// <summary>For ping: a short wait, not cut by the daemon's stop (a ping then still answers while the master runs).</summary>
    private static async Task<T?> AskOrNull<T>(ActorRegistry registry, object message, TimeSpan timeout) where T : class
    {
        try
        {
            var master = await registry.GetAsync<MasterKey>();
            return await master.Ask<T>(message, timeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    internal static IResult Json<T>(T value, JsonTypeInfo<T> info) => Results.Json(value, info);

    internal static IResult Error(string message, int status) => Results.Json(new ApiError(message), PbmJsonContext.Default.ApiError, statusCode: status);
}
