using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

/// <summary>ChildProcess with real processes: how they are spawned (posix_spawn), read and reaped.</summary>
public sealed partial class ChildProcessTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly TreeTracking Trees = TreeTracking.WalkProc(TimeSpan.FromSeconds(3));
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-child-").FullName;
    private readonly List<ChildProcess> _started = [];

    private static Dictionary<string, string> Env(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    private ChildProcess Start(LineCollector sink, string command, IReadOnlyList<string> args, Dictionary<string, string>? env = null, bool ipc = false)
    {
        var child = ChildProcess.Start(new LaunchSpec(command, args, _dir, env ?? Env()), sink, Trees, "test", ipc);
        _started.Add(child);
        return child;
    }

    private ChildProcess Sh(LineCollector sink, string script, bool ipc = false, Dictionary<string, string>? env = null) =>
        Start(sink, "sh", ["-c", script], env, ipc);

    /// <summary>Runs <paramref name="script"/> to its end; returns its exit code and stdout lines.</summary>
    private async Task<(int Code, List<string> Out, LineCollector Sink)> RunAsync(string script, bool ipc = false, Dictionary<string, string>? env = null)
    {
        var sink = new LineCollector();
        var child = Sh(sink, script, ipc, env);
        var code = await child.WaitForExitAsync().WaitAsync(Limit);
        return (code, sink.Out.ToList(), sink);
    }

    [Fact]
    public async Task Output_IsReadLineByLine_KeepingTheLastPartialLine_AndTheExitCodeIsReturned()
    {
        var (code, lines, sink) = await RunAsync("echo one; echo oops >&2; printf 'two\\r\\nthree'; exit 3");
        Assert.Equal(3, code);
        Assert.Equal(["one", "two", "three"], lines);
        Assert.Equal(["oops"], sink.Err.ToList());
    }

    [Fact]
    public async Task AChildKilledBySigKill_Exits137()
    {
        var sink = new LineCollector();
        var child = Start(sink, "sleep", ["30"]);
        Assert.False(child.HasExited);
        Assert.Equal(0, Native.Kill(child.Pid, 9));
        Assert.Equal(137, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.True(child.HasExited);
    }

    [Fact]
    public async Task AChildThatExitsAtOnce_IsStillReaped()
    {
        for (var i = 0; i < 20; i++)
        {
            var child = Start(new LineCollector(), "true", []);
            Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(Limit));
        }
    }

    [Fact]
    public async Task TheChildLeadsItsOwnSession_AndSignalReachesTheWholeGroup()
    {
        var sink = new LineCollector();
        var child = Sh(sink, "sleep 30 & echo $!; wait");
        var grandchild = int.Parse(await sink.NextOutAsync());
        var stat = ProcStat.Read(child.Pid)!.Value;
        Assert.Equal(child.Pid, stat.Session);
        Assert.Equal(child.Pid, stat.Pgrp);
        Assert.Equal(stat.StartTicks, child.StartTicks);
        Assert.Equal(child.Pid, ProcStat.Read(grandchild)!.Value.Session);
        child.Signal("SIGTERM");
        Assert.Equal(128 + 15, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.False(ProcessGroups.SessionAlive(child.Pid, child.StartTicks));
    }

    [Fact]
    public async Task TheChildInheritsOnlyItsStdio_EvenWhenTheDaemonHoldsAnInheritableDescriptor()
    {
        var inheritable = Dup(0);
        Assert.True(inheritable > 2);
        try
        {
            var (code, lines, _) = await RunAsync("ls /proc/$$/fd; readlink /proc/$$/fd/0");
            Assert.Equal(0, code);
            Assert.Equal(["0", "1", "2", "/dev/null"], lines);
        }
        finally
        {
            Native.Close(inheritable);
        }
    }

    [Fact]
    public async Task WithIpc_TheChannelIsFd3_NamedByNodeChannelFd_AndReadyIsHeard()
    {
        var sink = new LineCollector();
        var child = Sh(sink, "ls /proc/$$/fd; echo \"$NODE_CHANNEL_FD $NODE_CHANNEL_SERIALIZATION_MODE\"; echo '\"ready\"' >&3; exec sleep 30", ipc: true);
        Assert.True(await child.ReadyMessage.WaitAsync(Limit));
        var lines = new List<string>();
        for (var i = 0; i < 5; i++) lines.Add(await sink.NextOutAsync());
        Assert.Equal(["0", "1", "2", "3", "3 json"], lines);
        child.KillTree();
        Assert.Equal(137, await child.WaitForExitAsync().WaitAsync(Limit));
    }

    [Fact]
    public async Task WithIpc_AChannelClosedBeforeReady_IsNotReady()
    {
        var sink = new LineCollector();
        var child = Sh(sink, "exec 3>&-; sleep 0.2", ipc: true);
        Assert.False(await child.ReadyMessage.WaitAsync(Limit));
        Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(Limit));
    }

    [Fact]
    public async Task TheEnvironmentIsExactlyTheGivenOne_AndTheWorkingDirectoryIsTheCwd()
    {
        var sink = new LineCollector();
        var env = Env(("PBM_ID", "t:0"), ("EMPTY", ""), ("SPACED", "a b=c"));
        var child = Start(sink, "env", [], env);
        Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.Equal(env.Select(kv => $"{kv.Key}={kv.Value}").Order(), sink.Out.Order());

        var (_, pwd, _) = await RunAsync("pwd");
        Assert.Equal([_dir], pwd);
    }

    [Fact]
    public async Task SignalsStartAtTheirDefaults_NoneBlockedNorIgnored()
    {
        // The test host, like the daemon, ignores SIGPIPE; children must not inherit that.
        var sink = new LineCollector();
        var child = Start(sink, "grep", ["-E", "^Sig(Blk|Ign)", "/proc/self/status"]);
        Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.Equal(["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"], sink.Out.ToList());
    }

    [Fact]
    public void AMissingCommand_FailsTheStartWithItsNameAndNoSuchFile()
    {
        var e = Assert.Throws<Win32Exception>(() => Start(new LineCollector(), "pbm-no-such-command", ["x"]));
        Assert.Equal(2, e.NativeErrorCode);
        Assert.Contains("pbm-no-such-command", e.Message);
        Assert.Contains("No such file or directory", e.Message);

        var path = Path.Combine(_dir, "missing", "app");
        e = Assert.Throws<Win32Exception>(() => Start(new LineCollector(), path, []));
        Assert.Contains(path, e.Message);
        Assert.Contains("No such file or directory", e.Message);
    }

    [Fact]
    public void ANonExecutableFile_FailsTheStartWithPermissionDenied()
    {
        var file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "echo hi\n");
        var e = Assert.Throws<Win32Exception>(() => Start(new LineCollector(), file, []));
        Assert.Contains("Permission denied", e.Message);
        e = Assert.Throws<Win32Exception>(() => Start(new LineCollector(), "plain.txt", [], Env(("PATH", _dir))));
        Assert.Contains("Permission denied", e.Message);
    }

    [Fact]
    public async Task ABareCommand_IsLookedUpInTheChildsPath_RelativeEntriesFromTheCwd_AndAScriptWithoutShebangRunsInSh()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        var tool = Path.Combine(_dir, "bin", "pbm-test-tool");
        File.WriteAllText(tool, "echo \"tool $1\"\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var sink = new LineCollector();
        var child = Start(sink, "pbm-test-tool", ["x"], Env(("PATH", "/nonexistent:bin:/usr/bin:/bin")));
        Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.Equal(["tool x"], sink.Out.ToList());

        // A command with a '/' is a path, from the working directory.
        sink = new LineCollector();
        child = Start(sink, "bin/pbm-test-tool", ["y"]);
        Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(Limit));
        Assert.Equal(["tool y"], sink.Out.ToList());

        Assert.Throws<Win32Exception>(() => Start(new LineCollector(), "pbm-test-tool", [], Env()));
        // Without PATH, execvp's default: /bin:/usr/bin.
        child = Start(new LineCollector(), "true", [], new Dictionary<string, string>());
        Assert.Equal(0, await child.WaitForExitAsync().WaitAsync(Limit));
    }

    [Fact]
    public async Task ProcessStartedChildrenElsewhere_KeepTheirExitCodes()
    {
        // The reaper waits for its own pids only: a Process started beside it still gets its status.
        var sink = new LineCollector();
        var ours = Start(sink, "sleep", ["30"]);
        using var theirs = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 0.3; exit 7"]))!;
        var quick = Start(new LineCollector(), "sh", ["-c", "exit 5"]);
        Assert.Equal(5, await quick.WaitForExitAsync().WaitAsync(Limit));
        await theirs.WaitForExitAsync().WaitAsync(Limit);
        Assert.Equal(7, theirs.ExitCode);
        Assert.False(ours.HasExited);
        ours.KillTree();
        Assert.Equal(137, await ours.WaitForExitAsync().WaitAsync(Limit));
    }

    [Fact]
    public async Task ManyIdleChildren_DoNotHoldAThreadEach()
    {
        using var current = Process.GetCurrentProcess();
        var before = current.Threads.Count;
        var children = Enumerable.Range(0, 64).Select(_ => Start(new LineCollector(), "sleep", ["30"])).ToList();
        await Task.Delay(500);
        current.Refresh();
        var during = current.Threads.Count;
        foreach (var c in children) c.KillTree();
        foreach (var c in children) Assert.Equal(137, await c.WaitForExitAsync().WaitAsync(Limit));
        Assert.True(during - before < 32, $"{during - before} more threads with 64 children (128 pipes) being read");
    }

    [Theory]
    [InlineData(0x0000, 0)]
    [InlineData(0x0300, 3)]
    [InlineData(0xff00, 255)]
    [InlineData(0x0009, 137)]
    [InlineData(0x000f, 143)]
    [InlineData(0x0086, 134)] // SIGABRT with a core dump
    public void WaitStatuses_DecodeAsProcessReportsThem(int status, int code) =>
        Assert.Equal(code, ChildReaper.Decode(status));

    public void Dispose()
    {
        foreach (var child in _started)
        {
            child.KillTree();
            child.WaitForExitAsync().Wait(Limit);
        }
        Directory.Delete(_dir, recursive: true);
    }

    [LibraryImport("libc", EntryPoint = "dup")]
    private static partial int Dup(int fd);
}
