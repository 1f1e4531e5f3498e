using System.Net;
using System.Net.Sockets;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// Runs socket completions on the runtime's epoll threads instead of handing each one to the thread pool, for
/// the daemon's whole process. The gateway is written for it (<see cref="ClientConnection"/>: no blocking, a
/// request is parsed, sent on and answered in place), and it is what brings the gateway's cost per request near
/// nginx's: measured on a 2-core VM shared with the load generator and the apps, the thread-pool mode cost 8 to 22
/// context switches and 50-100 µs of CPU per proxied request (a worker woken per completion, spinning in
/// sched_yield before sleeping again); inline, about one switch and ~30 µs, the rest being the kernel's TCP work.
/// </summary>
/// <remarks>
/// The rest of the daemon is unaffected: Kestrel (control API, web console) and Akka.Remote's DotNetty transport
/// post their socket completions to their own schedulers (Kestrel's IO queue, DotNetty's event loop), and the
/// readiness probes' HttpClient continuations do no blocking work. The setting is the runtime's environment
/// variable DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS, read once when the first socket registers with the
/// engine, with DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT (see <see cref="DefaultThreads"/>); the daemon sets them,
/// makes that happen, and removes them again so that nothing it starts inherits them. An operator's own values
/// (INLINE_COMPLETIONS=0 to turn it off, a THREAD_COUNT) are left alone.
/// </remarks>
public static class SocketEngine
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string ThreadsVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>Whether socket completions run inline in this process (as far as this class decided it).</summary>
    public static bool Inline { get; private set; }

    /// <summary>The number of epoll threads this class asked for (0: the runtime's choice).</summary>
    public static int Threads { get; private set; }

    /// <summary>
    /// One epoll thread per core (at most 16), like nginx's <c>worker_processes auto</c>. Each socket is tied to one
    /// of them, round-robin. Measured on a quiet 2-core VM against nginx over the same two Node instances (wrk -c50,
    /// 8 s runs alternated): one thread 0.79-0.83x nginx's req/s (it stalls whenever wrk or an instance holds its
    /// core; the machine stayed 7% idle), two threads 0.96-1.22x, at 0.5-0.6 context switches and 18-22 µs of the
    /// daemon's CPU per request; with a busy loop beside, 0.91-0.98x either way. Handing a request an instance
    /// connection on its client connection's thread was tried and changed nothing measurable (0.50 against 0.57
    /// switches per request, same throughput): with requests in flight the threads rarely sleep.
    /// </summary>
    public static int DefaultThreads => Math.Clamp(Environment.ProcessorCount, 1, 16);

    /// <summary>Call before the process uses any socket.</summary>
    public static void UseInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { } given)
        {
            Inline = given == "1";
            return;
        }
        var setThreads = Environment.GetEnvironmentVariable(ThreadsVariable) is null;
        Environment.SetEnvironmentVariable(Variable, "1");
        if (setThreads)
        {
            Threads = DefaultThreads;
            Environment.SetEnvironmentVariable(ThreadsVariable, Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        try
        {
            // The engine is created (and reads the variable) when a socket first waits on it: a pending accept.
            var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            probe.Listen(1);
            var pending = probe.AcceptAsync();
            probe.Dispose();
            pending.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            Inline = true;
        }
        catch (SocketException)
        {
            // No loopback: the engine starts later, with whatever the environment says then.
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
            if (setThreads) Environment.SetEnvironmentVariable(ThreadsVariable, null);
        }
    }
}
