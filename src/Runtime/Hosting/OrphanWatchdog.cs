using System.Diagnostics;
using Pbm.Client;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// Kills a clustered host agent's instances when the agent dies without stopping them, so that what the master
/// moved to other hosts never runs twice.
/// </summary>
/// <remarks>
/// The daemon starts <c>/bin/sh</c> in a session of its own, blocked reading a pipe whose write end only the
/// daemon holds (close-on-exec: no instance inherits it). However the daemon ends, the kernel closes that end and
/// the read returns; the shell then execs <c>pbm-daemon --reap-instances</c>, which takes the daemon's lock (so it
/// waits for nothing and races no new daemon: whoever holds the lock reaps) and kills the sessions the pid files
/// name. A graceful stop has already stopped them and removed the files, so the watchdog finds nothing and exits.
/// Linux's PR_SET_PDEATHSIG would need code between fork and exec of every instance, and would fire when the
/// spawning thread ends rather than the process; a sleeping shell costs about 1 MB and no CPU.
/// </remarks>
internal sealed class OrphanWatchdog : IDisposable
{
    private readonly Process _shell;

    private OrphanWatchdog(Process shell) => _shell = shell;

    public static OrphanWatchdog? Start(PbmHome home)
    {
        if (Environment.ProcessPath is not { } daemon || !File.Exists("/bin/sh")) return null;
        var setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "setsid";
        var psi = new ProcessStartInfo(setsid) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in new[] { "/bin/sh", "-c", "read _ignored; exec \"$0\" --home \"$1\" --reap-instances >/dev/null 2>&1", daemon, home.Root })
            psi.ArgumentList.Add(a);
        return new OrphanWatchdog(Process.Start(psi)!);
    }

    /// <summary>A graceful stop: the instances are stopped; let the watchdog find nothing and go.</summary>
    public void Dispose()
    {
        try
        {
            _shell.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        _shell.Dispose();
    }
}
