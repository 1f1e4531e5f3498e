using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;

namespace Pbm.Runtime.Tests.Specs;

public sealed class SpecValidatorTests
{
    private const string Bare = """{"name":"web","script":"/srv/web.js","command":"node","cwd":"/srv"}""";

    private static AppSpec? Parse(string json) => JsonSerializer.Deserialize(json, PbmJsonContext.Default.AppSpec);

    /// <summary>The bare spec with <paramref name="field"/> set to <paramref name="json"/> (a JSON value).</summary>
    private static string With(string field, string json) => Bare[..^1] + $",\"{field}\":{json}}}";

    [Fact]
    public void MissingParts_GetTheDocumentedDefaults()
    {
        var errors = SpecValidator.Check(Parse(Bare), out var spec);
        Assert.Empty(errors);
        Assert.Equal(1, spec!.Instances);
        Assert.True(spec.AutoStart);
        Assert.Equal("SIGTERM", spec.KillSignal);
        Assert.Equal(5000, spec.KillTimeoutMs);
        Assert.Equal(10000, spec.ListenTimeoutMs);
        Assert.Equal(1, spec.Version);
        Assert.True(spec.Restart.AutoRestart);
        Assert.Empty(spec.Restart.StopExitCodes);
        Assert.True(spec.Logs.Time);
        Assert.Equal(LogFormats.Text, spec.Logs.Format);
        Assert.Empty(spec.Args);
        Assert.Empty(spec.Env);
        Assert.Empty(spec.EnvOverrides);
        Assert.Empty(spec.IgnoreWatch);
    }

    [Theory]
    [InlineData("restart")]
    [InlineData("env")]
    [InlineData("envOverrides")]
    [InlineData("logs")]
    [InlineData("args")]
    [InlineData("ignoreWatch")]
    public void ExplicitNullPart_IsFilledWithItsDefault(string field)
    {
        var errors = SpecValidator.Check(Parse(With(field, "null")), out var spec);
        Assert.Empty(errors);
        Assert.NotNull(spec!.Restart);
        Assert.NotNull(spec.Restart.StopExitCodes);
        Assert.NotNull(spec.Env);
        Assert.NotNull(spec.EnvOverrides);
        Assert.NotNull(spec.Logs);
        Assert.NotNull(spec.Args);
        Assert.NotNull(spec.IgnoreWatch);
    }

    [Theory]
    [InlineData("name", "null", "name: missing")]
    [InlineData("name", "\"../x\"", "name: invalid app name '../x'")]
    [InlineData("name", "\"all\"", "name: invalid app name 'all'")]
    [InlineData("name", "\"a\\u0000b\"", "name: invalid app name 'a\\x00b'")]
    [InlineData("script", "null", "script: missing")]
    [InlineData("script", "\"/srv/w\\u0000.js\"", "script: '/srv/w\\x00.js' holds a NUL character")]
    [InlineData("command", "\" \"", "command: empty")]
    [InlineData("cwd", "\"srv\"", "cwd: 'srv' must be an absolute path")]
    [InlineData("cwd", "null", "cwd: missing")]
    [InlineData("args", "[\"a\",null]", "args[1]: null")]
    [InlineData("args", "[\"a\\u0000\"]", "args[0]: 'a\\x00' holds a NUL character")]
    [InlineData("env", "{\"A\":null}", "env.A: null")]
    [InlineData("env", "{\"\":\"x\"}", "env: '' is not a variable name")]
    [InlineData("envOverrides", "{\"A=B\":\"x\"}", "envOverrides: 'A=B' is not a variable name")]
    [InlineData("instances", "0", "instances: 0: expected 1 to 1024")]
    [InlineData("instances", "5000", "instances: 5000")]
    [InlineData("killSignal", "null", "killSignal: null")]
    [InlineData("killSignal", "\"SIGNOPE\"", "killSignal: unknown signal 'SIGNOPE'")]
    [InlineData("killTimeoutMs", "0", "killTimeoutMs: 0")]
    [InlineData("killTimeoutMs", "2147483647", "killTimeoutMs: 2147483647")]
    [InlineData("listenTimeoutMs", "-1", "listenTimeoutMs: -1")]
    [InlineData("port", "70000", "port: 70000")]
    [InlineData("ready", "\"http:/health\"", "ready: --ready http:/health needs --port")]
    [InlineData("route", "\"api\"", "route, routeHost and sticky need a port")]
    [InlineData("hosts", "[null]", "hosts[0]: null")]
    [InlineData("maxPerHost", "0", "maxPerHost: 0")]
    [InlineData("maxMemoryBytes", "10", "maxMemoryBytes: 10")]
    [InlineData("restart", "{\"maxRestarts\":-1}", "restart.maxRestarts: -1")]
    [InlineData("restart", "{\"minUptimeMs\":-5}", "restart.minUptimeMs: -5")]
    [InlineData("logs", "{\"format\":\"xml\"}", "logs.format: 'xml'")]
    [InlineData("logs", "{\"maxFiles\":0}", "logs.maxFiles: 0")]
    [InlineData("logs", "{\"outFile\":\"out.log\"}", "logs.outFile: 'out.log' must be an absolute path")]
    [InlineData("logs", "{\"combinedFile\":\"../../x.log\"}", "logs.combinedFile: '../../x.log'")]
    [InlineData("logs", "{\"dateFormat\":\"[text]\"}", "logs.dateFormat: '[text]': no date or time in it")]
    [InlineData("pidFile", "\"x.pid\"", "pidFile: 'x.pid' must be an absolute path")]
    [InlineData("watch", "[\"src\"]", "watch[0]: 'src' must be absolute")]
    [InlineData("ignoreWatch", "[null]", "ignoreWatch[0]: null")]
    [InlineData("cronRestart", "\"every day\"", "cronRestart: 'every day'")]
    [InlineData("incrementVar", "\"1PORT\"", "incrementVar: '1PORT'")]
    [InlineData("health", "{\"check\":\"http:/healthz\"}", "health.check: http:/healthz needs --port")]
    [InlineData("health", "{\"check\":\"ping\"}", "health.check: 'ping': expected tcp, http:/path or exec:COMMAND")]
    [InlineData("health", "{\"check\":\"exec: \"}", "health.check: exec: needs a command")]
    [InlineData("health", "{\"check\":\"exec:true\",\"intervalMs\":5}", "health.intervalMs: 5")]
    [InlineData("health", "{\"check\":\"exec:true\",\"failures\":0}", "health.failures: 0")]
    [InlineData("health", "{\"check\":null,\"intervalMs\":1000}", "health.check: missing")]
    [InlineData("memoryLimitBytes", "1000", "memoryLimitBytes: 1000: at least 4M")]
    [InlineData("cpuLimit", "0.001", "cpuLimit: 0.001")]
    [InlineData("pidsLimit", "0", "pidsLimit: 0")]
    [InlineData("user", "\"-rf\"", "user: '-rf': must start with a letter or _")]
    [InlineData("group", "\"a b\"", "group: 'a b': may hold only")]
    [InlineData("after", "[\"../x\"]", "after[0]: '../x' is not an app name")]
    [InlineData("after", "[\"a\",\"a\"]", "after: names an app twice")]
    [InlineData("restartWith", "true", "restartWith: needs after")]
    public void BadField_IsAProblemNamingIt(string field, string json, string expected)
    {
        var errors = SpecValidator.Check(Parse(With(field, json)), out _);
        Assert.True(errors.Any(e => e.StartsWith(expected, StringComparison.Ordinal)), $"{field}={json}: [{string.Join("; ", errors)}]");
    }

    [Fact]
    public void NullSpec_IsAProblem_NotAnException() => Assert.Equal(["missing app spec"], SpecValidator.Check(null, out _));

    [Fact]
    public void SeveralProblems_AreAllListed()
    {
        var errors = SpecValidator.Check(Parse("""{"name":null,"script":"/x","command":"x","cwd":"rel","instances":0,"killSignal":null}"""), out _);
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public void Show_EscapesControlCharactersAndCutsLongValues()
    {
        Assert.Equal("a\\x00b\\x0a", SpecValidator.Show("a\0b\n"));
        Assert.Equal(new string('x', 80) + "...", SpecValidator.Show(new string('x', 5000)));
    }
}
