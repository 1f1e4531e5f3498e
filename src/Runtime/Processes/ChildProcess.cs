using System.ComponentModel;
using System.Globalization;
using System.IO.Pipes;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Pbm.Runtime.Processes;

/// <summary>
/// One OS process started in a session of its own, so that its whole tree can be signalled as a group. Its stdout
/// and stderr are pumped to a sink, line by line; its stdin is /dev/null.
/// </summary>
/// <remarks>
/// <para>
/// Spawned with posix_spawn (<see cref="Spawn"/>), not System.Diagnostics.Process: a daemon holds hundreds of these
/// for days, and Process cost about 36 KB each for nothing (a StreamWriter for stdin and StreamReaders for stdout and
/// stderr, each with its char and byte buffers, when only the raw pipes are read), plus the Process object and its
/// wait state, and an extra exec of setsid(1) at every start since Process cannot make a session. Here the session
/// is a spawn attribute, the two pipes are read directly as async streams (PipeStream on Unix waits through the
/// runtime's epoll, not on a blocked thread per pipe), and exits are reaped by <see cref="ChildReaper"/>.
/// </para>
/// <para>
/// With <c>ipc</c> the child also gets Node's IPC channel: one end of a Unix socket pair at fd 3, named by
/// NODE_CHANNEL_FD, in Node's JSON serialization (one JSON value per line), so that <c>process.send('ready')</c>
/// works as under PM2's wait_ready; any program can write the line <c>"ready"</c> to that descriptor. Every
/// descriptor the daemon opens is close-on-exec and the spawn closes all others from 3 (4 with ipc) up, so no child
/// inherits anything else, whatever runs beside it.
/// </para>
/// </remarks>
internal sealed class ChildProcess
{
    private readonly Task<int> _exited;
    private readonly Task _pumps;
    private readonly Stream _stdout;
    private readonly Stream _stderr;
    private readonly Stream? _ipc;
    private readonly Lock _waitGate = new();
    private Task<int>? _wait;

    private ChildProcess(InstanceTree tree, Task<int> exited, Stream stdout, Stream stderr, ILineSink sink, Stream? ipc)
    {
        Tree = tree;
        Pid = tree.Leader;
        StartTicks = tree.LeaderStart;
        StartedAt = DateTimeOffset.UtcNow;
        _exited = exited;
        _stdout = stdout;
        _stderr = stderr;
        _ipc = ipc;
        var outPump = LineReader.PumpAsync(stdout, line => sink.LineAsync(false, line));
        var errPump = LineReader.PumpAsync(stderr, line => sink.LineAsync(true, line));
        _pumps = Task.WhenAll(outPump, errPump);
        ReadyMessage = ipc is null ? Task.FromResult(false) : ReadMessagesAsync(ipc);
    }

    /// <summary>With an IPC channel: true once the child sent "ready", false if the channel closed first.</summary>
    public Task<bool> ReadyMessage { get; }

    public int Pid { get; }
    public ulong StartTicks { get; }

    /// <summary>Everything it started: its cgroup, or the /proc record of its descendants.</summary>
    public InstanceTree Tree { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>True once the leader exited (the tree may still be being cleaned up).</summary>
    public bool HasExited => _exited.IsCompleted;

    /// <summary>
    /// Starts the process and puts it in <paramref name="tracking"/>'s charge under <paramref name="label"/> (its
    /// cgroup's name: APP-N); throws <see cref="Win32Exception"/> when it cannot (missing command, not executable...).
    /// </summary>
    public static ChildProcess Start(LaunchSpec spec, ILineSink sink, TreeTracking tracking, string label, bool ipc = false, ResourceLimits? limits = null)
    {
        int outRead = -1, outWrite = -1, errRead = -1, errWrite = -1, ours = -1, theirs = -1, pid = -1;
        Task<int>? exited = null;
        InstanceTree? tree = null;
        Stream? stdout = null, stderr = null, channel = null;
        try
        {
            (outRead, outWrite) = Native.Pipe();
            (errRead, errWrite) = Native.Pipe();
            if (ipc)
            {
                (ours, theirs) = Native.SocketPair();
                spec = spec with
                {
                    Env = new Dictionary<string, string>(spec.Env)
                    {
                        ["NODE_CHANNEL_FD"] = Spawn.IpcFd.ToString(CultureInfo.InvariantCulture),
                        ["NODE_CHANNEL_SERIALIZATION_MODE"] = "json",
                    },
                };
            }
            pid = Spawn.Start(spec, outWrite, errWrite, theirs);
            // The child has exec'd (or died): /proc/PID/stat stays readable until it is reaped, which is next.
            var stat = ProcStat.Read(pid);
            // Into its cgroup before anything else: the sooner it is in, the less it can fork outside.
            tree = tracking.Adopt(label, pid, stat?.StartTicks ?? 0, limits);
            exited = ChildReaper.WaitAsync(pid);
            stdout = Reader(ref outRead);
            stderr = Reader(ref errRead);
            if (ipc)
            {
                var handle = new SafeSocketHandle(ours, ownsHandle: true);
                ours = -1;
                channel = new NetworkStream(new Socket(handle), ownsSocket: true);
            }
            return new ChildProcess(tree, exited, stdout, stderr, sink, channel);
        }
        catch
        {
            if (pid > 0)
            {
                // Started, but it cannot be run here (out of memory or descriptors): it must not run untracked.
                Native.KillGroup(pid, 9);
                exited ??= ChildReaper.WaitAsync(pid); // reaped when it dies
                if (tree is not null) _ = exited.ContinueWith(_ => tree.ReleaseAsync(), TaskScheduler.Default).Unwrap();
            }
            stdout?.Dispose();
            stderr?.Dispose();
            channel?.Dispose();
            Close(outRead);
            Close(errRead);
            Close(ours);
            throw;
        }
        finally
        {
            // The child has its copies; the parent's would keep the pipes open after it exits.
            Close(outWrite);
            Close(errWrite);
            Close(theirs);
        }
    }

    private static Stream Reader(ref int fd)
    {
        var handle = new SafePipeHandle(fd, ownsHandle: true);
        fd = -1;
        try
        {
            return new AnonymousPipeClientStream(PipeDirection.In, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void Close(int fd)
    {
        if (fd >= 0) Native.Close(fd);
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
    /// was read to the end (so the last partial line is kept). The code is 128+N when signal N killed it, and
    /// <see cref="ChildReaper.Unknown"/> when its status could not be read.
    /// </summary>
    public Task<int> WaitForExitAsync()
    {
        lock (_waitGate) return _wait ??= WaitCoreAsync();
    }

    private async Task<int> WaitCoreAsync()
    {
        var code = await _exited.ConfigureAwait(false);
        // The leader is gone: nothing it started may outlive it (a crash included). Waited for off any actor thread.
        await Tree.ReleaseAsync().ConfigureAwait(false);
        await Task.WhenAny(_pumps, Task.Delay(2000)).ConfigureAwait(false);
        // Whatever still holds the pipes open (something that left the session) no longer holds a reader here.
        _stdout.Dispose();
        _stderr.Dispose();
        _ipc?.Dispose();
        return code;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the whole process group (and the leader, should the group not exist yet),
    /// once the tree's record is up to date (see <see cref="InstanceTree.Refresh"/>).
    /// </summary>
    public void Signal(string signal)
    {
        Tree.Refresh();
        var number = Client.Specs.Signals.NumberOf(signal);
        if (Native.KillGroup(Pid, number) != 0) Native.Kill(Pid, number);
    }

    /// <summary>SIGKILLs the whole tree: the session, and the cgroup or every recorded descendant (see <see cref="InstanceTree"/>).</summary>
    public void KillTree() => Tree.Kill();
}
