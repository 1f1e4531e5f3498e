using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;
using Pbm.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pbm.Integration.Tests.Ecosystem;

/// <summary>
/// PM2 ecosystem files written by others (Corpus/, each with its source in Corpus/README.md), each with stand-in apps
/// that report what they were started with, run under pbm and compared with what PM2 7 did with the same file
/// (the case's expected.json, recorded by running PM2 itself): the apps and their instance counts, which instances
/// run, each process's arguments, node flags, working directory and the variables the file sets, and the restart
/// options. Where PM2 failed the whole command (a syntax error, a missing interpreter), pbm must fail too, in words.
/// Where PM2 left an instance crash-looping, pbm may do better (its gateway shares a port PM2 could not).
/// </summary>
public sealed class CorpusTests(CorpusTests.Daemon daemon, ITestOutputHelper output) : IClassFixture<CorpusTests.Daemon>
{
    private static readonly string Corpus = Path.Combine(Repo.Root, "tests", "Integration.Tests", "Ecosystem", "Corpus");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Corpus).Where(d => File.Exists(Path.Combine(d, "expected.json"))).Order())
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task File_RunsAsUnderPm2(string name)
    {
        var box = daemon.Box;
        var work = Path.Combine(box.Work, "corpus");
        var caseDir = Path.Combine(work, name);
        Copy(Path.Combine(Corpus, "standin"), Path.Combine(work, "standin"));
        Copy(Path.Combine(Corpus, name), caseDir);
        var reports = Path.Combine(box.Work, "reports-" + name);
        Directory.CreateDirectory(reports);
        box.Env["PBM_CORPUS_REPORTS"] = reports;
        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(caseDir, "expected.json")));
        var root = expected.RootElement;
        // PM2 ran with this PATH (no pyenv shims: "python" was missing, which decides case 09).
        box.Env["PATH"] = root.GetProperty("recordedWith").GetProperty("PATH").GetString()!;
        var command = root.GetProperty("command").EnumerateArray().Select(e => e.GetString()!).ToArray();
        try
        {
            var run = await box.RunInAsync(caseDir, command);
            output.WriteLine($"pbm {string.Join(' ', command)}: {run}");
            if (root.GetProperty("cli").GetProperty("exitCode").GetInt32() != 0)
            {
                // PM2 refused the file: pbm must too, with a line that names it.
                Assert.NotEqual(0, run.ExitCode);
                Assert.Contains(command[1], run.Stderr);
                return;
            }
            foreach (var app in root.GetProperty("apps").EnumerateArray())
                await CheckAppAsync(box, caseDir, reports, app);
        }
        finally
        {
            await box.RunAsync("delete", "all");
        }
    }

    private async Task CheckAppAsync(Sandbox box, string caseDir, string reports, JsonElement app)
    {
        var pm2Name = app.GetProperty("name").GetString()!;
        var name = AppSpecResolver.IsValidName(pm2Name) ? pm2Name : AppSpecResolver.SafeName(pm2Name);
        var status = app.GetProperty("status").EnumerateArray().Select(s => s.GetString()).ToList();
        var online = Enumerable.Range(0, status.Count).Where(i => status[i] == "online").ToList();
        // An app PM2 could not run at all (every instance crash-looping) may be refused by pbm, in words, instead.
        if (online.Count == 0 && (await box.ListAsync()).Apps.All(a => a.Spec.Name != name)) return;
        var instances = await Sandbox.EventuallyAsync(() => box.InstancesAsync(name),
            list => list.Count == app.GetProperty("instances").GetInt32() && online.All(i => list[i].Status == InstanceStatus.Online),
            $"{name}: {app.GetProperty("instances").GetInt32()} instances, online where PM2's were ({string.Join(",", status)})",
            TimeSpan.FromSeconds(15));
        var spec = (await box.ShowAsync(name)).Spec;
        CheckRestart(spec, app);
        CheckLogs(spec, app, caseDir, instances.Count);
        if (online.Count == 0) return;

        var reportName = System.Text.RegularExpressions.Regex.Replace(pm2Name, "[^A-Za-z0-9._-]", "_");
        foreach (var index in online)
        {
            var report = await Sandbox.EventuallyAsync(() => Task.FromResult(LatestReport(reports, reportName, index)),
                r => r is not null, $"the report of {name}:{index} in {reports}");
            var env = report!.Value.GetProperty("env");
            string Where() => $"{name}:{index}";
            if (app.TryGetProperty("args", out var args))
                Assert.True(Strings(args).SequenceEqual(Strings(report.Value.GetProperty("argv")).Skip(2)),
                    $"{Where()}: args {Json(Strings(report.Value.GetProperty("argv")).Skip(2))}, PM2 gave {Json(Strings(args))}");
            if (app.TryGetProperty("execArgv", out var execArgv))
                Assert.True(Strings(execArgv).SequenceEqual(Strings(report.Value.GetProperty("execArgv"))),
                    $"{Where()}: node flags {Json(Strings(report.Value.GetProperty("execArgv")))}, PM2 gave {Json(Strings(execArgv))}");
            if (app.TryGetProperty("cwd", out var cwd))
                Assert.Equal(Path.GetFullPath(cwd.GetString()!, caseDir).TrimEnd('/'), report.Value.GetProperty("cwd").GetString()!.TrimEnd('/'));
            var wanted = new Dictionary<string, JsonElement>();
            if (app.TryGetProperty("env", out var shared)) foreach (var v in shared.EnumerateObject()) wanted[v.Name] = v.Value;
            if (app.TryGetProperty("envPerInstance", out var each) && index < each.GetArrayLength())
                foreach (var v in each[index].EnumerateObject()) wanted[v.Name] = v.Value;
            foreach (var (key, value) in wanted)
            {
                var actual = env.TryGetProperty(key, out var a) ? a.GetString() : null;
                var want = value.ValueKind == JsonValueKind.Null ? null : value.ToString();
                // PM2 numbers instances as it starts them, apps of a file in parallel: the ids differ, their presence must not.
                if (key == "pm_id")
                {
                    Assert.True(int.TryParse(actual, out _), $"{Where()}: pm_id={actual ?? "(unset)"}");
                    continue;
                }
                // Behind pbm's gateway (PM2's cluster mode, or a port key) the app's port is the gateway's: each instance
                // listens on a private PORT of its own.
                if (key == "PORT" && spec.Port is { } port && want == port.ToString())
                {
                    Assert.Equal(instances[index].PrivatePort?.ToString(), actual);
                    continue;
                }
                Assert.True(want == actual, $"{Where()}: {key}={actual ?? "(unset)"}, PM2 gave {want ?? "(unset)"}");
            }
        }
    }

    /// <summary>The restart options the file set, as PM2 read them, are pbm's too.</summary>
    private static void CheckRestart(AppSpec spec, JsonElement app)
    {
        if (!app.TryGetProperty("restart", out var restart)) return;
        foreach (var option in restart.EnumerateObject())
        {
            var v = option.Value;
            switch (option.Name)
            {
                case "autorestart":
                    Assert.Equal(v.GetBoolean(), spec.Restart.AutoRestart);
                    break;
                case "maxRestarts":
                    Assert.Equal(v.GetInt32(), spec.Restart.MaxRestarts);
                    break;
                case "minUptime":
                    Assert.Equal(v.GetInt32(), spec.Restart.MinUptimeMs);
                    break;
                case "restartDelay":
                    Assert.Equal(v.GetInt32(), spec.Restart.RestartDelayMs ?? 0);
                    break;
                case "killTimeout":
                    Assert.Equal(v.GetInt32(), spec.KillTimeoutMs);
                    break;
                case "listenTimeout":
                    Assert.Equal(v.GetInt32(), spec.ListenTimeoutMs);
                    break;
                case "cronRestart":
                    Assert.Equal(v.GetString(), spec.CronRestart);
                    break;
                case "maxMemoryRestart" when v.ValueKind == JsonValueKind.Number:
                    Assert.Equal(v.GetInt64(), spec.MaxMemoryBytes ?? 1073741824);
                    break;
                case "watch" when v.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    Assert.Equal(v.GetBoolean(), spec.Watch is { Count: > 0 });
                    break;
                case "waitReady":
                    Assert.Equal(v.GetBoolean(), ReadyChecks.UsesMessage(spec.Ready));
                    break;
            }
        }
    }

    /// <summary>
    /// The log files PM2 wrote (out_file, error_file, log_file and their aliases, per instance) are pbm's: same folder,
    /// same names, -ID before .log where PM2 put its pm_id (the corpus shares one daemon, so pbm's ids differ: the
    /// instance's own pm_id is expected there); merge_logs and log_date_format as PM2 read them.
    /// </summary>
    private static void CheckLogs(AppSpec spec, JsonElement app, string caseDir, int count)
    {
        if (!app.TryGetProperty("logs", out var logs)) return;
        foreach (var option in logs.EnumerateObject())
        {
            var v = option.Value;
            switch (option.Name)
            {
                case "merge_logs" when v.ValueKind == JsonValueKind.True:
                    Assert.True(spec.Logs.Merge, $"{spec.Name}: merge_logs");
                    break;
                case "log_date_format":
                    Assert.Equal(v.GetString(), spec.Logs.DateFormat);
                    break;
                case "out_file" or "out" or "output" or "error_file" or "error" or "err" or "log_file":
                    var paths = v.ValueKind == JsonValueKind.Array ? Strings(v).ToList() : Enumerable.Repeat(v.GetString()!, count).ToList();
                    for (var i = 0; i < paths.Count && i < count; i++)
                    {
                        if (paths[i] == "/dev/null")
                        {
                            Assert.Equal("/dev/null", option.Name.StartsWith("err", StringComparison.Ordinal) ? spec.Logs.ErrFile : spec.Logs.OutFile);
                            continue;
                        }
                        var path = Path.GetFullPath(paths[i], caseDir);
                        if (!spec.Logs.Merge)
                            path = System.Text.RegularExpressions.Regex.Replace(path, @"-\d+\.log$", $"-{spec.InstanceIds![i]}.log");
                        Assert.True(File.Exists(path), $"{spec.Name}:{i}: {option.Name} {path} (PM2 wrote {paths[i]}) is missing");
                    }
                    break;
            }
        }
    }

    /// <summary>The last report an instance's stand-in wrote (restarts write more), by its index in the file name.</summary>
    private static JsonElement? LatestReport(string dir, string name, int index)
    {
        // NAME-INDEX-PID.json, exactly: app echo-python's instance 3 and app echo-python-3 must not be confused.
        var exact = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(name) + @"-(\d+)-\d+\.json$");
        var files = Directory.GetFiles(dir).Where(f => exact.Match(Path.GetFileName(f)) is { Success: true } m && m.Groups[1].Value == index.ToString()).ToArray();
        var latest = files.Select(f =>
        {
            try
            {
                return JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone();
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                return (JsonElement?)null; // still being written
            }
        }).Where(r => r is not null).OrderBy(r => r!.Value.GetProperty("startedAt").GetInt64()).LastOrDefault();
        return latest;
    }

    private static IEnumerable<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.ToString());

    private static string Json(IEnumerable<string> values) => JsonSerializer.Serialize(values.ToArray());

    private static void Copy(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            File.Copy(file, target, overwrite: true);
            File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }
    }

    /// <summary>One daemon for the whole corpus (each case deletes its apps): a fresh one per file would add a start per case.</summary>
    public sealed class Daemon : IAsyncLifetime
    {
        public Sandbox Box { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Box.DisposeAsync();
    }
}
