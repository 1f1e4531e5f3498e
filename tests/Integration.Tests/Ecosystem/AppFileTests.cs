using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Ecosystem;

public sealed class AppFileTests
{
    private static Dictionary<string, string> EnvOf(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task Pm2EcosystemJs_SeveralAppsAndEnvs_StartWithTheChosenEnv_WarnOncePerUnsupportedKey_UpdateEnvRereadsTheFile()
    {
        await using var box = new Sandbox();
        box.Env["WORKER_FROM_SHELL"] = "shell-value";
        var file = Path.Combine(box.Work, "ecosystem.config.js");
        string Ecosystem(string productionEnv, string apiKey) => $$"""
            // A PM2 ecosystem file, as pm2 init writes them.
            module.exports = {
              apps: [
                {
                  name: 'api',
                  script: '{{Repo.App("idle.js")}}',
                  instances: 2,
                  exec_mode: 'cluster',
                  env: { NODE_ENV: 'development'{{apiKey}} },
                  env_production: { NODE_ENV: '{{productionEnv}}' },
                  kill_timeout: 3000,
                  max_restarts: 5,
                  min_uptime: '2s',
                  out_file: './logs/api.out.log',
                  namespace: 'web',
                  wait_ready: true,
                },
                {
                  name: 'worker',
                  script: 'worker.js',
                  args: '--queue "jobs high"',
                  autorestart: false,
                  env: { NODE_ENV: 'development', WORKER: process.env.WORKER_FROM_SHELL || 'none' },
                  env_production: { NODE_ENV: 'production', CONCURRENCY: 8 },
                  cron_restart: '0 3 * * *',
                },
              ],
              deploy: { production: { user: 'node', host: 'example.com' } },
            };
            """;
        await File.WriteAllTextAsync(file, Ecosystem("production", ", API_KEY: 'dev-key'"));
        await File.WriteAllTextAsync(Path.Combine(box.Work, "worker.js"), await File.ReadAllTextAsync(Repo.App("idle.js")));

        var start = await box.RunAsync("start", file, "--env", "production");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Contains("started api (2 instances)", start.Stdout);
        Assert.Contains("started worker (1 instance)", start.Stdout);
        var warnings = start.Stderr.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Single(warnings, w => w.Contains("namespace is not supported"));
        // out_file is PM2's: two cluster instances write logs/api.out-<pm_id>.log beside the file.
        Assert.True(File.Exists(Path.Combine(box.Work, "logs", "api.out-0.log")), "out_file of api:0 missing");
        Assert.True(File.Exists(Path.Combine(box.Work, "logs", "api.out-1.log")), "out_file of api:1 missing");
        Assert.Single(warnings, w => w.Contains("deploy is not supported"));

        var api1 = EnvOf(await box.OkAsync("env", "api:1"));
        Assert.Equal("production", api1["NODE_ENV"]);
        Assert.Equal("dev-key", api1["API_KEY"]);
        Assert.Equal("api:1", api1["PBM_ID"]);
        var worker = EnvOf(await box.OkAsync("env", "worker"));
        Assert.Equal("8", worker["CONCURRENCY"]);
        Assert.Equal("shell-value", worker["WORKER"]);

        var apiSpec = (await box.ShowAsync("api")).Spec;
        Assert.Equal(3000, apiSpec.KillTimeoutMs);
        Assert.Equal(5, apiSpec.Restart.MaxRestarts);
        Assert.Equal(2000, apiSpec.Restart.MinUptimeMs);
        Assert.Equal("wait-ready", apiSpec.Ready); // wait_ready: true, and idle.js calls process.send('ready')
        Assert.Equal(file, apiSpec.Source);
        Assert.Equal("production", apiSpec.EnvName);
        var workerSpec = (await box.ShowAsync("worker")).Spec;
        Assert.False(workerSpec.Restart.AutoRestart);
        Assert.Equal(["--queue", "jobs high"], workerSpec.Args.Skip(1));
        Assert.Equal("0 3 * * *", workerSpec.CronRestart);
        Assert.Equal(box.Work, workerSpec.Cwd);
        Assert.All(await box.InstancesAsync("api"), i => Assert.Equal(InstanceStatus.Online, i.Status));

        // Edit the file: a new value, and API_KEY removed. --update-env re-reads it; nothing of the old env stays.
        await File.WriteAllTextAsync(file, Ecosystem("production-2", ""));
        var oldPids = (await box.InstancesAsync("api")).Select(i => i.Pid).ToList();
        await box.OkAsync("restart", "api", "--update-env");
        var after = EnvOf(await box.OkAsync("env", "api:0"));
        Assert.Equal("production-2", after["NODE_ENV"]);
        Assert.False(after.ContainsKey("API_KEY"), "API_KEY was removed from the file but is still set");
        var instances = await box.InstancesAsync("api");
        Assert.Empty(instances.Select(i => i.Pid).Intersect(oldPids));
        Assert.All(instances, i => Assert.Equal(InstanceStatus.Online, i.Status));
        Assert.Equal(2, (await box.ShowAsync("api")).Spec.Version);
    }

    [Fact]
    public async Task YamlAndHoconFiles_StartEveryApp_OnlySelectsOne()
    {
        await using var box = new Sandbox();
        var idle = Repo.App("idle.js");
        var yaml = Path.Combine(box.Work, "ecosystem.yml");
        await File.WriteAllTextAsync(yaml, $"""
            apps:
              - name: y1
                script: {idle}
                instances: 2
                env:
                  COLOR: blue
              - name: y2
                script: "{idle}"
                watch: false
            """);
        var hocon = Path.Combine(box.Work, "apps.hocon");
        await File.WriteAllTextAsync(hocon, $$"""
            apps {
              h1 { script = "{{idle}}", env.COLOR = red, max-restarts = 3 }
              h2 { script = "{{idle}}" }
            }
            """);
        await box.OkAsync("start", yaml);
        await box.OkAsync("start", hocon, "--only", "h1");
        var list = await box.ListAsync();
        Assert.Equal(["h1", "y1", "y2"], list.Apps.Select(a => a.Spec.Name));
        Assert.Equal(2, list.Apps.Single(a => a.Spec.Name == "y1").Instances.Count);
        Assert.Equal("blue", list.Apps.Single(a => a.Spec.Name == "y1").Spec.EnvOverrides["COLOR"]);
        Assert.Equal("red", list.Apps.Single(a => a.Spec.Name == "h1").Spec.EnvOverrides["COLOR"]);
        Assert.Equal(3, list.Apps.Single(a => a.Spec.Name == "h1").Spec.Restart.MaxRestarts);

        // Started again, as deploy scripts do under PM2: the apps that run are restarted from the file, the others start.
        var again = await box.RunAsync("start", hocon);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("restarted h1", again.Stdout);
        Assert.Contains("started h2", again.Stdout);
    }

    [Fact]
    public async Task MalformedFiles_FileLineAndProblem_NothingStarted()
    {
        await using var box = new Sandbox();
        var hocon = Path.Combine(box.Work, "apps.hocon");
        await File.WriteAllTextAsync(hocon, "apps = [\n  { name = a, script = x.js }\n  { name = b, script = \"y.js }\n]\n");
        var r = await box.RunAsync("start", hocon);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{hocon}:3: unterminated string", r.Stderr);

        await File.WriteAllTextAsync(hocon, $"apps = [\n  {{ name = a, script = \"{Repo.App("idle.js")}\" }}\n  {{ name = b, script = \"{Repo.App("idle.js")}\", instances = lots }}\n]\n");
        r = await box.RunAsync("start", hocon);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{hocon}:3: instances: expected a number of instances or 'max', found 'lots'", r.Stderr);

        var js = Path.Combine(box.Work, "ecosystem.config.js");
        await File.WriteAllTextAsync(js, "module.exports = {\n  apps: [ { name: 'a' script: 'x.js' } ]\n};\n");
        r = await box.RunAsync("start", js);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{js}:2", r.Stderr);
        Assert.Contains("SyntaxError", r.Stderr);

        var yaml = Path.Combine(box.Work, "apps.yaml");
        await File.WriteAllTextAsync(yaml, "apps:\n  - name: a\n    script: x.js\n      instances: 2\n");
        r = await box.RunAsync("start", yaml);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{yaml}:4: ", r.Stderr);
        Assert.Contains("indentation", r.Stderr);

        // Every one failed before reaching a daemon: none was even started.
        Assert.False(File.Exists(Path.Combine(box.Home, "daemon.pid")));
    }
}
