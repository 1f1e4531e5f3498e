using System.Diagnostics;
using System.Runtime.InteropServices;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// A daemon started as pid 1 (<c>pbm daemon --foreground</c> as a container's entry point, without an init) runs
/// as the child of this one instead. As pid 1 the .NET runtime reaps every child process itself on SIGCHLD, before
/// <see cref="ChildReaper"/> can read an app's exit status; as the child of pid 1 the daemon keeps them. This
/// process stays pid 1: it forwards the signals a container gets to the daemon, the runtime reaps orphans for it
/// (as an init must), and it exits with the daemon's exit code.
/// </summary>
internal static class InitShim
{
    private const string Marker = "PBM_INIT_SHIM";

    /// <summary>The signals forwarded to the daemon (SIGTERM: docker stop; SIGINT: Ctrl-C on docker run -it).</summary>
    private static readonly int[] Forwarded = [1, 2, 3, 10, 12, 15];

    /// <summary>True in a pid 1 that is not already the shim's daemon.</summary>
    public static bool Needed()
    {
        if (Environment.GetEnvironmentVariable(Marker) is not null)
        {
            // The daemon under the shim: the mark is not for what it starts.
            Environment.SetEnvironmentVariable(Marker, null);
            return false;
        }
        return Native.GetPid() == 1;
    }

    /// <summary>Runs the daemon with <paramref name="args"/> as a child, until it exits; returns its exit code.</summary>
    public static int Run(string[] args)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no path to this executable");
        var psi = new ProcessStartInfo(self) { UseShellExecute = false };
        // Under `dotnet pbm-daemon.dll` the executable is dotnet, and the first command-line argument the dll.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment[Marker] = "1";
        using var daemon = Process.Start(psi)!;
        var pid = daemon.Id;
        var forwarding = Forwarded.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            context.Cancel = true;
            Native.Kill(pid, signal);
        })).ToList();
        daemon.WaitForExit();
        foreach (var registration in forwarding) registration.Dispose();
        return daemon.ExitCode;
    }
}
