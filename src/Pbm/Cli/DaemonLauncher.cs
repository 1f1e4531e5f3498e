using System.Diagnostics;
using System.Runtime.InteropServices;
using Pbm.Client;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Cli;

/// <summary>Finds the daemon binary, starts it detached (its own session, stdio to PBM_HOME/daemon.out), and waits for it.</summary>
internal static partial class DaemonLauncher
{
    /// <summary>
    /// PBM_DAEMON, else pbm-daemon beside this binary: the native one of a ./pbm build or of `pbm install` (in the
    /// folder of the real file when pbm is reached through a symlink: AppContext.BaseDirectory resolves it), else
    /// pbm-daemon.dll, which the `pbm` .NET tool carries beside its own dll, run by the dotnet that runs this CLI.
    /// </summary>
    public static (string File, string[] Prefix) Locate()
    {
        var env = Environment.GetEnvironmentVariable("PBM_DAEMON");
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "pbm-daemon"));
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "pbm-daemon.dll"));
        foreach (var c in candidates.Where(File.Exists))
            return c.EndsWith(".dll", StringComparison.Ordinal) ? (DotnetHost(), [c]) : (c, []);
        throw new PbmException($"cannot find pbm-daemon (looked in {AppContext.BaseDirectory}; set PBM_DAEMON)");
    }

    /// <summary>
    /// The dotnet executable of the runtime running this CLI (ROOT/shared/Microsoft.NETCore.App/VERSION/ is its
    /// runtime folder): a tool installed with a dotnet that is not on PATH still starts its daemon. Else dotnet on PATH.
    /// </summary>
    private static string DotnetHost()
    {
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var dotnet = Path.Combine(root, "dotnet");
        return File.Exists(dotnet) ? dotnet : FindOnPath("dotnet") ?? "dotnet";
    }

    /// <summary>Starts a daemon for <paramref name="home"/> in the background and waits until it answers ping.</summary>
    public static async Task<PingResult> StartAsync(PbmHome home, PbmClient client, string[] extraArgs)
    {
        home.Ensure();
        var (file, prefix) = Locate();
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec setsid \"$0\" \"$@\" </dev/null >>\"$PBM_DAEMON_OUT\" 2>&1 &");
        psi.ArgumentList.Add(file);
        foreach (var p in prefix) psi.ArgumentList.Add(p);
        psi.ArgumentList.Add("--home");
        psi.ArgumentList.Add(home.Root);
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        psi.Environment["PBM_DAEMON_OUT"] = home.DaemonOut;
        using (var sh = Process.Start(psi)!) await sh.WaitForExitAsync();
        return await WaitForPingAsync(client, home, TimeSpan.FromSeconds(30));
    }

    public static async Task<PingResult> WaitForPingAsync(PbmClient client, PbmHome home, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        string? starting = null;
        var seen = false;
        while (true)
        {
            // A daemon that wrote its pid file and then went away will not answer: say so now, with its last words.
            if (DaemonAlive(home, out _)) seen = true;
            else if (seen) throw new PbmException("the daemon stopped while starting" + LastWords(home));
            try
            {
                return await client.PingAsync();
            }
            catch (DaemonUnreachableException)
            {
            }
            catch (PbmException e) when (e.StatusCode == 503)
            {
                starting = e.Message;
            }
            if (watch.Elapsed > limit)
            {
                // It answers, so it runs: most often a cluster node whose seeds cannot be reached. Say that it goes on
                // trying, where it says why, and how to stop it, instead of "did not answer".
                if (starting is not null && DaemonAlive(home, out var pid))
                    throw new PbmException($"the daemon (pid {pid}) runs but is not ready after {limit.TotalSeconds:0} s ({starting}); " +
                                           $"it keeps trying (a cluster node waits for its seeds): see {home.DaemonLog}, " +
                                           "and `pbm kill` stops it");
                throw new PbmException($"the daemon did not answer within {limit.TotalSeconds:0} s" + LastWords(home));
            }
            await Task.Delay(watch.ElapsedMilliseconds < 2000 ? 20 : 100);
        }
    }

    private static string LastWords(PbmHome home)
    {
        var tail = File.Exists(home.DaemonOut) ? File.ReadLines(home.DaemonOut).LastOrDefault(l => l.Trim().Length > 0) : null;
        return tail is null ? "" : $"; {home.DaemonOut} says: {tail}";
    }

    /// <summary>Replaces this process with the daemon (pbm daemon --foreground): same pid, signals go straight to it.</summary>
    public static int ExecForeground(PbmHome home, string[] extraArgs)
    {
        var (file, prefix) = Locate();
        var argv = new List<string> { file };
        argv.AddRange(prefix);
        argv.AddRange(["--home", home.Root, "--foreground"]);
        argv.AddRange(extraArgs);
        var path = file.Contains('/') ? file : FindOnPath(file) ?? file;
        argv.Add(null!);
        Execv(path, [.. argv]);
        throw new PbmException($"cannot exec {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execv(string path, string[] argv);

    /// <summary>True while the process in PBM_HOME/daemon.pid is alive.</summary>
    public static bool DaemonAlive(PbmHome home, out int pid)
    {
        pid = 0;
        return File.Exists(home.DaemonPidFile) && int.TryParse(File.ReadAllText(home.DaemonPidFile).Trim(), out pid) && ProcessAlive(pid);
    }

    /// <summary>True while <paramref name="pid"/> runs (a zombie awaiting its parent does not count).</summary>
    public static bool ProcessAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
