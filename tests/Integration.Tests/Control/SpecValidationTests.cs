using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Control;

/// <summary>Specs sent to the control API by hand (a script, curl): defaults filled in, or a 400 that names the field.</summary>
public sealed class SpecValidationTests
{
    private static string Q(string text) => RawApi.Quote(text);

    /// <summary>A spec of /bin/sleep with only what has no default, plus <paramref name="extra"/> (",\"k\":v" pairs).</summary>
    private static string Bare(string name, string extra = "", string cwd = "/tmp") =>
        $$"""{"name":{{Q(name)}},"script":"/bin/sleep","command":"/bin/sleep","args":["600"],"cwd":{{Q(cwd)}}{{extra}}}""";

    [Fact]
    public async Task SpecWithoutRestartEnvLogsOrInstances_RunsWithTheDefaults_AndTheDaemonStaysSmall()
    {
        await using var box = new Sandbox();
        using var api = await RawApi.StartAsync(box);
        var (status, body) = await api.PostAsync("/api/apps", Bare("bare"));
        Assert.True(status == 200, $"{status} {body}");

        var online = await Sandbox.EventuallyAsync(() => box.InstancesAsync("bare"), l => l.Count == 1 && l[0].Status == InstanceStatus.Online,
            "bare:0 online", TimeSpan.FromSeconds(20));
        Assert.Equal(0, online[0].Restarts);
        var spec = (await box.ShowAsync("bare")).Spec;
        Assert.True(spec.AutoStart);
        Assert.True(spec.Restart.AutoRestart);
        Assert.Equal("SIGTERM", spec.KillSignal);
        Assert.Equal(5000, spec.KillTimeoutMs);
        Assert.True(spec.Logs.Time);
        Assert.True(DaemonRssMb(box) < 200, $"daemon RSS {DaemonRssMb(box)} MB");
        var delete = await box.RunAsync(TimeSpan.FromSeconds(20), "delete", "bare");
        Assert.True(delete.ExitCode == 0, delete.ToString());
    }

    [Fact]
    public async Task NullArgs_AreNoArgs_AndTheAppRuns()
    {
        await using var box = new Sandbox();
        using var api = await RawApi.StartAsync(box);
        var script = Path.Combine(box.Work, "run.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nexec sleep 600\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (status, body) = await api.PostAsync("/api/apps",
            $$"""{"name":"noargs","script":{{Q(script)}},"command":{{Q(script)}},"args":null,"cwd":{{Q(box.Work)}},"restart":null,"env":null,"logs":null,"envOverrides":null}""");
        Assert.True(status == 200, $"{status} {body}");
        await Sandbox.EventuallyAsync(() => box.InstancesAsync("noargs"), l => l.Count == 1 && l[0].Status == InstanceStatus.Online, "noargs:0 online");
        await Task.Delay(1500);
        Assert.Equal(0, (await box.InstancesAsync("noargs"))[0].Restarts);
    }

    public static TheoryData<string, string, string> BadRequests() => new()
    {
        { "/api/apps", """{"name":null,"script":"/bin/sleep","command":"/bin/sleep","cwd":"/tmp"}""", "name" },
        { "/api/apps", Bare("sig", ",\"killSignal\":null"), "killSignal" },
        { "/api/apps", Bare("sig2", ",\"killSignal\":\"SIGNOPE\""), "killSignal" },
        { "/api/apps", """{"name":"nul","script":"/bin/sl\u0000eep","command":"/bin/sleep","cwd":"/tmp"}""", "script" },
        { "/api/apps", Bare("nulcwd", cwd: "/tm\u0000p"), "cwd" },
        { "/api/apps", Bare("nocwd", cwd: "/no/such/directory/here"), "cwd" },
        { "/api/apps", Bare("nullenv", ",\"env\":{\"A\":null}"), "env.A" },
        { "/api/apps", Bare("envlist", ",\"env\":[null]"), "env" },
        { "/api/apps", Bare("nullarg").Replace("[\"600\"]", "[null]"), "args[0]" },
        { "/api/apps", Bare("type", ",\"instances\":\"two\""), "instances" },
        { "/api/apps", Bare("huge", ",\"instances\":1e400"), "instances" },
        { "/api/apps", Bare("../../escape"), "invalid app name" },
        { "/api/apps", "[1,2", "invalid" },
        { "/api/apps/web/restart", """{"spec":{"name":"web","script":"/bin/sleep","command":"/bin/sleep","cwd":"/tmp","killSignal":null}}""", "killSignal" },
        { "/api/apps/web/deploy", """{"spec":{"name":"web","script":"/bin/sleep","command":null,"cwd":"/tmp"}}""", "command" },
        { "/api/console/start", """{"script":"/bin/sleep","env":[null]}""", "env[0]" },
        { "/api/console/start", """{"script":"/bin/sl\u0000eep"}""", "script" },
        { "/api/console/start", """{"script":"/bin/sleep","cwd":"/tm\u0000p"}""", "cwd" },
        { "/api/console/deploy", """{"app":"web","path":"/tm\u0000p"}""", "path" },
        { "/api/resurrect", """{"name":"x\u0000y"}""", "name" },
        { "/api/save", """{"name":"x\u0000y"}""", "name" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_Is400WithWordsNamingTheField(string path, string body, string field)
    {
        await using var box = new Sandbox();
        using var api = await RawApi.StartAsync(box);
        var daemon = Sandbox.DaemonPid(box.Home);
        var (status, answer) = await api.PostAsync(path, body);
        Assert.True(status == 400, $"POST {path} {body}: {status} {answer}");
        var error = RawApi.ErrorOf(answer);
        Assert.False(string.IsNullOrWhiteSpace(error), $"POST {path}: no error text in '{answer}'");
        Assert.Contains(field, error);
        // Nothing was registered, and the daemon lives on.
        Assert.Empty((await box.ListAsync()).Apps);
        Assert.Equal(daemon, Sandbox.DaemonPid(box.Home));
    }

    [Fact]
    public async Task HugeBody_Is413WithWords_NotBufferedWhole()
    {
        await using var box = new Sandbox();
        using var api = await RawApi.StartAsync(box);
        var huge = Bare("big", ",\"env\":{\"BIG\":\"" + new string('x', 8 << 20) + "\"}");
        var (status, answer) = await api.PostAsync("/api/apps", huge);
        Assert.True(status == 413, $"{status} {answer[..Math.Min(200, answer.Length)]}");
        Assert.Contains("too large", RawApi.ErrorOf(answer));
        Assert.True(DaemonRssMb(box) < 200, $"daemon RSS {DaemonRssMb(box)} MB");
    }

    [Fact]
    public async Task UnknownPathOrMethod_AnswersWithWords()
    {
        await using var box = new Sandbox();
        using var api = await RawApi.StartAsync(box);
        var (status, answer) = await api.SendAsync(HttpMethod.Put, "/api/ping");
        Assert.Equal(405, status);
        Assert.Contains("PUT", RawApi.ErrorOf(answer));
        (status, answer) = await api.SendAsync(HttpMethod.Get, "/api/nothing-here");
        Assert.Equal(404, status);
        Assert.Contains("/api/nothing-here", RawApi.ErrorOf(answer));
        (status, answer) = await api.SendAsync(HttpMethod.Get, "/api/actors?depth=deep");
        Assert.Equal(400, status);
        Assert.False(string.IsNullOrWhiteSpace(RawApi.ErrorOf(answer)), answer);
    }

    internal static long DaemonRssMb(Sandbox box)
    {
        var status = File.ReadAllLines($"/proc/{Sandbox.DaemonPid(box.Home)}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}
