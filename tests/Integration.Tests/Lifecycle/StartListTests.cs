using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

public sealed class StartListTests
{
    [Fact]
    public async Task StartFourInstances_AllOnlineWithDistinctPidsAndPbmVariables()
    {
        await using var box = new Sandbox();
        var start = await box.RunAsync("start", Repo.App("env.js"), "-i", "4", "--name", "envy",
            "--env", $"WORK_DIR={box.Work}", "--env", "GREETING=hi", "--", "--flag", "value");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Contains("started envy (4 instances)", start.Stdout);

        var instances = await box.InstancesAsync("envy");
        Assert.Equal(4, instances.Count);
        Assert.All(instances, i => Assert.Equal(InstanceStatus.Online, i.Status));
        var pids = instances.Select(i => i.Pid!.Value).ToList();
        Assert.Equal(4, pids.Distinct().Count());
        Assert.All(pids, pid => Assert.True(ProcessTable.Alive(pid), $"pid {pid} is not running"));

        for (var n = 0; n < 4; n++)
        {
            var file = Path.Combine(box.Work, $"env-{n}.json");
            await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(file)), x => x, $"{file} to be written");
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var env = doc.RootElement;
            Assert.Equal("envy", env.GetProperty("PBM_APP").GetString());
            Assert.Equal(n.ToString(), env.GetProperty("PBM_INSTANCE").GetString());
            Assert.Equal(n.ToString(), env.GetProperty("NODE_APP_INSTANCE").GetString());
            Assert.Equal("hi", env.GetProperty("GREETING").GetString());
            Assert.Equal(["--flag", "value"], env.GetProperty("argv").EnumerateArray().Select(e => e.GetString()!).ToArray());
        }

        var table = await box.OkAsync("list");
        foreach (var pid in pids) Assert.Contains(pid.ToString(), table);
        Assert.Contains("envy:3", table);
    }

    [Fact]
    public async Task StartPackageJsonDirectory_RunsItsMain()
    {
        await using var box = new Sandbox();
        var dir = Path.Combine(box.Work, "pkg");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "package.json"), """{ "name": "from-pkg", "main": "server.js" }""");
        await File.WriteAllTextAsync(Path.Combine(dir, "server.js"),
            $"require('fs').writeFileSync('{box.Work}/pkg-ran', String(process.pid)); setInterval(() => {{}}, 1000);");
        await box.OkAsync("start", dir);
        var instances = await box.InstancesAsync("from-pkg");
        Assert.Single(instances);
        var file = Path.Combine(box.Work, "pkg-ran");
        await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(file) ? File.ReadAllText(file) : ""), t => t.Length > 0, "the package's main to run");
        Assert.Equal(instances[0].Pid.ToString(), File.ReadAllText(file));
    }

    [Fact]
    public async Task StartShellScriptAndPython_PickInterpreterByExtension()
    {
        await using var box = new Sandbox();
        var sh = Path.Combine(box.Work, "job.sh");
        await File.WriteAllTextAsync(sh, $"echo $$ > {box.Work}/sh-ran\nexec sleep 600\n");
        var py = Path.Combine(box.Work, "job.py");
        await File.WriteAllTextAsync(py, $"import os, time\nopen('{box.Work}/py-ran','w').write(str(os.getpid()))\ntime.sleep(600)\n");
        await box.OkAsync("start", sh);
        var again = await box.RunAsync("start", py);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("app 'job' already exists", again.Stderr);
        await box.OkAsync("start", py, "--name", "pyjob");
        var list = await box.ListAsync();
        Assert.Equal("bash", list.Apps.Single(a => a.Spec.Name == "job").Spec.Interpreter);
        Assert.Equal("python3", list.Apps.Single(a => a.Spec.Name == "pyjob").Spec.Interpreter);
        foreach (var (file, app) in new[] { ("sh-ran", "job"), ("py-ran", "pyjob") })
        {
            var path = Path.Combine(box.Work, file);
            var text = await Sandbox.EventuallyAsync(() => Task.FromResult(File.Exists(path) ? File.ReadAllText(path).Trim() : ""), t => t.Length > 0, $"{file}");
            Assert.Equal((await box.InstancesAsync(app))[0].Pid.ToString(), text);
        }
    }
}
