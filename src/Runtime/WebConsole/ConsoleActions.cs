using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;
using Pbm.Runtime.Config;
using Pbm.Runtime.Control;
using Pbm.Runtime.Hosting;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.WebConsole;

/// <summary>
/// The two console actions that need the node's file system: the CLI resolves a start's script and a deploy's
/// directory on the user's machine, but a browser cannot, so these resolve them here, on the node that serves the
/// API, with its environment (what `pbm start` / `pbm deploy` would do if run on that node). Every other action
/// of the console is the plain control API.
/// </summary>
internal static class ConsoleActions
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/api/console/start", async Task<IResult> (HttpRequest request, ActorRegistry registry, PbmSettings settings) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, ConsoleJsonContext.Default.ConsoleStartRequest, "start request");
            if (bad is not null) return bad;
            if (body is null || string.IsNullOrWhiteSpace(body.Script)) return Error("missing script: a path on the node, or a command on its PATH", 400);
            if (StartProblem(body) is { } problem) return Error(problem, 400);
            AppSpec resolved;
            try
            {
                resolved = AppSpecResolver.Resolve(new StartOptions
                {
                    Target = body.Script.Trim(),
                    Name = string.IsNullOrWhiteSpace(body.Name) ? null : body.Name.Trim(),
                    Instances = string.IsNullOrWhiteSpace(body.Instances) ? null : body.Instances.Trim(),
                    Port = body.Port,
                    Cwd = string.IsNullOrWhiteSpace(body.Cwd) ? null : body.Cwd.Trim(),
                    Env = body.Env ?? [],
                    Args = body.Args ?? [],
                    CallerCwd = Environment.CurrentDirectory,
                    CallerEnv = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
                        .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? ""),
                });
            }
            catch (PbmException e)
            {
                return Error(e.Message, 400);
            }
            if (ControlApi.Validate(resolved, registry, out var spec) is { } invalid) return Error(invalid, 400);
            return await ControlApi.Send(registry, settings, new StartApp(spec!));
        });

        api.MapPost("/api/console/deploy", async Task<IResult> (HttpRequest request, ActorRegistry registry, PbmSettings settings) =>
        {
            var (body, bad) = await RequestBody.ReadAsync(request, ConsoleJsonContext.Default.ConsoleDeployRequest, "deploy request");
            if (bad is not null) return bad;
            if (body is null || string.IsNullOrWhiteSpace(body.App)) return Error("missing app", 400);
            if (string.IsNullOrWhiteSpace(body.Path)) return Error("missing path: the directory of the new version on the node", 400);
            if ((RequestBody.TextProblem("app", body.App) ?? RequestBody.TextProblem("path", body.Path)) is { } problem) return Error(problem, 400);
            var dir = System.IO.Path.GetFullPath(body.Path.Trim());
            if (!Directory.Exists(dir)) return Error($"{body.Path}: no such directory on {Environment.MachineName}", 400);
            var master = await registry.GetAsync<MasterKey>();
            object current;
            try
            {
                current = await master.Ask<object>(new GetApp(body.App), settings.AskTimeout);
            }
            catch (AskTimeoutException)
            {
                return Error("the master did not answer in time", 504);
            }
            if (current is Failed f) return Error(f.Error, f.Status);
            if (current is not AppInfo app) return Error($"unexpected answer {current.GetType().Name}", 500);
            var rebased = DeploySpec.Rebase(app.Spec, dir);
            if (!File.Exists(rebased.Script)) return Error($"{dir} has no {System.IO.Path.GetRelativePath(dir, rebased.Script)} (the app runs {app.Spec.Script})", 400);
            if (ControlApi.Validate(rebased, registry, out var spec) is { } invalid) return Error(invalid, 400);
            return await ControlApi.Send(registry, settings, new Messages.MasterProtocol.Deploy(spec!, Math.Max(1, body.Parallel)));
        });
    }

    /// <summary>
    /// The form's fields as the resolver may take them (it would throw on a null list entry or a NUL in a path); a JSON
    /// document can hold both whatever the record declares.
    /// </summary>
    private static string? StartProblem(ConsoleStartRequest body)
    {
        foreach (var (field, value) in new[] { ("script", body.Script), ("name", body.Name), ("instances", body.Instances), ("cwd", body.Cwd) })
            if (RequestBody.TextProblem(field, value) is { } problem) return problem;
        foreach (var (field, list) in new[] { ("env", body.Env), ("args", body.Args) })
        {
            for (var i = 0; list is not null && i < list.Count; i++)
            {
                if (list[i] is null) return $"{field}[{i}]: null: expected a string";
                if (RequestBody.TextProblem($"{field}[{i}]", list[i]) is { } problem) return problem;
            }
        }
        return null;
    }

    internal static IResult Error(string message, int status) =>
        Results.Json(new ApiError(message), PbmJsonContext.Default.ApiError, statusCode: status);
}
