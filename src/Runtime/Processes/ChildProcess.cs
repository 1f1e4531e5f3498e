using System.Diagnostics;
using System.ComponentModel;
using System.Net.Sockets;

namespace Pbm.Runtime.Processes;

/// <summary>
/// One OS process started in a session of its own (through setsid(1): .NET cannot setpgid a child after it
/// exec'd), so that its whole tree can be signalled as a group. Its stdout and stderr are pumped to a sink.
/// </summary>
/// <remarks>
/// With <c>ipc</c> the child also gets Node's IPC channel: one end of a Unix socket pair inherited at the number in
/// NODE_CHANNEL_FD, in Node's JSON serialization (one JSON value per line), so that <c>process.send('ready')</c>
/// works as under PM2's wait_ready; any program can write the line <c>"ready"</c> to that descriptor. .NET's
/// Process API passes no extra descriptors, but it does not close inherited ones either: the child's end is a
/// dup without close-on-exec made under <see cref="SpawnGate"/> and closed here right after the fork, and every
/// spawn of the daemon takes that gate, so no other child inherits it.
/// </remarks>
internal sealed class ChildProcess
{
    private static readonly string SetsidPath = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "setsid";
    private static readonly object SpawnGate = new();
    private readonly Process _process;
    private readonly Task _pumps;
    private readonly Stream? _ipc;

    private ChildProcess(Process process, ulong startTicks, Task pumps, Stream? ipc, Task<bool> readyMessage)
    {
        _process = process;
        StartTicks = startTicks;
        _pumps = pumps;
        _ipc = ipc;
        ReadyMessage = readyMessage;
        Pid = process.Id;
        StartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>With an IPC channel: true once the child sent "ready", false if the channel closed first.</summary>
    public Task<bool> ReadyMessage { get; }

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
    public static ChildProcess Start(LaunchSpec spec, ILineSink sink, bool ipc = false)
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
        Stream? channel = null;
        lock (SpawnGate)
        {
            if (!ipc)
            {
                process.Start();
            }
            else
            {
                var (ours, theirs) = Native.SocketPair();
                var inherited = -1;
                try
                {
                    inherited = Native.DupInheritable(theirs);
                    psi.Environment["NODE_CHANNEL_FD"] = inherited.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    psi.Environment["NODE_CHANNEL_SERIALIZATION_MODE"] = "json";
                    process.Start();
                    channel = new NetworkStream(new Socket(new SafeSocketHandle(ours, ownsHandle: true)), ownsSocket: true);
                }
                catch
                {
                    Native.Close(ours);
                    throw;
                }
                finally
                {
                    Native.Close(theirs);
                    if (inherited >= 0) Native.Close(inherited);
                }
            }
        }
        process.StandardInput.Close();
        var stat = ProcStat.Read(process.Id);
        var outPump = LineReader.PumpAsync(process.StandardOutput.BaseStream, line => sink.LineAsync(false, line));
        var errPump = LineReader.PumpAsync(process.StandardError.BaseStream, line => sink.LineAsync(true, line));
        return new ChildProcess(process, stat?.StartTicks ?? 0, Task.WhenAll(outPump, errPump), channel,
            channel is null ? Task.FromResult(false) : ReadMessagesAsync(channel));
    }

    /// <summary>
    /// Reads the child's IPC messages until the channel closes, completing true at the first "ready". Later
    /// messages are read and ignored, so a child that sends many never blocks on a full socket.
    /// </summary>
    private static async Task<bool> ReadMessagesAsync(Stream channel)
    {
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = LineReader.PumpAsync(channel, line =>
        {
            if (line.Trim() == "\"ready\"") ready.TrySetResult(true);
            return ValueTask.CompletedTask;
        }).ContinueWith(_ => ready.TrySetResult(false), TaskScheduler.Default);
        return await ready.Task.ConfigureAwait(false);
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
        _ipc?.Dispose();
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
