using System.Diagnostics;
using System.ComponentModel;

namespace Pbm.Runtime.Processes;

/// <summary>
/// One OS process started in a session of its own (through setsid(1): .NET cannot setpgid a child after it
/// exec'd), so that its whole tree can be signalled as a group. Its stdout and stderr are pumped to a sink.
/// </summary>
internal sealed class ChildProcess
{
    private static readonly string SetsidPath = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "setsid";
    private readonly Process _process;
    private readonly Task _pumps;

    private ChildProcess(Process process, ulong startTicks, Task pumps)
    {
        _process = process;
        StartTicks = startTicks;
        _pumps = pumps;
        Pid = process.Id;
        StartedAt = DateTimeOffset.UtcNow;
    }

    public int Pid { get; }
    public ulong StartTicks { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>True once the leader exited (the tree may still be being cleaned up).</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Starts the process; throws <see cref="Win32Exception"/> when even setsid cannot start.</summary>
    public static ChildProcess Start(LaunchSpec spec, ILineSink sink)
    {
        var psi = new ProcessStartInfo(SetsidPath)
        {
            WorkingDirectory = spec.Cwd,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(spec.Command);
        foreach (var a in spec.Args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var (k, v) in spec.Env) psi.Environment[k] = v;

        var process = new Process { StartInfo = psi };
        process.Start();
        process.StandardInput.Close();
        var stat = ProcStat.Read(process.Id);
        var outPump = LineReader.PumpAsync(process.StandardOutput.BaseStream, line => sink.LineAsync(false, line));
        var errPump = LineReader.PumpAsync(process.StandardError.BaseStream, line => sink.LineAsync(true, line));
        return new ChildProcess(process, stat?.StartTicks ?? 0, Task.WhenAll(outPump, errPump));
    }

    /// <summary>
    /// Completes with the exit code once the leader exited, whatever it left behind was killed, and its output
    /// was read to the end (so the last partial line is kept).
    /// </summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        var code = _process.ExitCode;
        ProcessGroups.KillSession(Pid, StartTicks);
        await Task.WhenAny(_pumps, Task.Delay(2000)).ConfigureAwait(false);
        _process.Dispose();
        return code;
    }

    /// <summary>Sends <paramref name="signal"/> to the whole process group (and the leader, should the group not exist yet).</summary>
    public void Signal(string signal)
    {
        var number = Client.Specs.Signals.NumberOf(signal);
        if (Native.KillGroup(Pid, number) != 0) Native.Kill(Pid, number);
    }

    /// <summary>SIGKILLs the session: the leader and every descendant that stayed in it.</summary>
    public void KillTree() => ProcessGroups.KillSession(Pid, StartTicks);
}
