using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Ecosystem;

public sealed class PidEnvTests
{
    private static Dictionary<string, string> EnvOf(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public async Task PidFileAndPidCommand_NameTheRunningProcesses_FilesGoWhenStopped()
    {
        await using var box = new Sandbox();
        var pidFile = Path.Combine(box.Work, "run", "idle.pid");
        await box.OkAsync("start", Repo.App("idle.js"), "-i", "2", "--pid-file", pidFile);
        var instances = await box.InstancesAsync("idle");
        Assert.Equal(instances[0].Pid.ToString(), (await File.ReadAllTextAsync(pidFile)).Trim());
        Assert.Equal(instances[1].Pid.ToString(), (await File.ReadAllTextAsync(Path.Combine(box.Work, "run", "idle-1.pid"))).Trim());

        Assert.Equal(instances.Select(i => i.Pid.ToString()), (await box.OkAsync("pid", "idle")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(instances[1].Pid.ToString(), (await box.OkAsync("pid", "idle:1")).Trim());

        // A restart rewrites the file with the new pid.
        await box.OkAsync("restart", "idle:0");
        var newPid = (await box.InstancesAsync("idle"))[0].Pid;
        Assert.NotEqual(instances[0].Pid, newPid);
        Assert.Equal(newPid.ToString(), (await File.ReadAllTextAsync(pidFile)).Trim());

        await box.OkAsync("stop", "idle");
        Assert.False(File.Exists(pidFile));
        Assert.False(File.Exists(Path.Combine(box.Work, "run", "idle-1.pid")));
        var none = await box.RunAsync("pid", "idle");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("idle has no running process", none.Stderr);
    }

    [Fact]
    public async Task UpdateEnv_RereadsTheCallersEnvironment_RemovesUnsetVariables_KeepsExplicitOnes()
    {
        await using var box = new Sandbox();
        box.Env["PBM_T_KEEP"] = "1";
        box.Env["PBM_T_GONE"] = "2";
        await box.OkAsync("start", Repo.App("idle.js"), "--name", "envy", "--env", "EXPLICIT=x");
        var env = EnvOf(await box.OkAsync("env", "envy"));
        Assert.Equal("1", env["PBM_T_KEEP"]);
        Assert.Equal("2", env["PBM_T_GONE"]);
        Assert.Equal("x", env["EXPLICIT"]);
        Assert.Equal("envy", env["PBM_APP"]);
        Assert.Equal((await box.InstancesAsync("envy"))[0].Pid.ToString(), (await box.ShowAsync("envy")).Instances[0].Pid.ToString());

        // A plain restart keeps the environment it was started with, as PM2 does.
        box.Env["PBM_T_KEEP"] = "changed";
        box.Unset.Add("PBM_T_GONE");
        box.Env.Remove("PBM_T_GONE");
        await box.OkAsync("restart", "envy");
        Assert.Equal("2", EnvOf(await box.OkAsync("env", "envy"))["PBM_T_GONE"]);

        var r = await box.RunAsync("restart", "envy", "--update-env", "--env", "ADDED=y");
        Assert.True(r.ExitCode == 0, r.ToString());
        env = EnvOf(await box.OkAsync("env", "envy"));
        Assert.Equal("changed", env["PBM_T_KEEP"]);
        Assert.False(env.ContainsKey("PBM_T_GONE"), "an unset variable survived --update-env");
        Assert.Equal("x", env["EXPLICIT"]);
        Assert.Equal("y", env["ADDED"]);
        var info = await box.ShowAsync("envy");
        Assert.Equal(InstanceStatus.Online, info.Instances[0].Status);
        Assert.Equal(2, info.Spec.Version);

        var usage = await box.RunAsync("restart", "envy", "--env", "A=b");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--env on restart needs --update-env", usage.Stderr);
        var noFile = await box.RunAsync("restart", "envy", "--update-env", "--env", "production");
        Assert.Equal(2, noFile.ExitCode);
        Assert.Contains("was not started from an app file", noFile.Stderr);
    }
}
