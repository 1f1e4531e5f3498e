using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pbm.Client;
using Pbm.Client.Transport;
using Pbm.Runtime.Config;
using Pbm.Runtime.Control;
using Pbm.Runtime.Logs;
using Pbm.Runtime.Processes;
using Pbm.Runtime.Supervision;
using Pbm.Runtime.WebConsole;

namespace Pbm.Runtime.Hosting;

/// <summary>
/// The daemon process: one pbm node with the control API on PBM_HOME/rpc.sock (and TCP when asked).
/// Start-up order matters for "nothing lost": take the home's lock (one daemon per home), reap the
/// sessions a killed predecessor left, then start the actor system, whose master reloads desired state.
/// </summary>
public static class PbmDaemon
{
    public const int ExitAlreadyRunning = 3;

    public static async Task<int> RunAsync(string[] args, DaemonRole role = DaemonRole.Worker)
    {
        // `pbm-daemon --lighthouse` is a seed node, as pbm-lighthouse is: the installed pbm-lighthouse is a launcher
        // that runs the native daemon so (one native binary for both roles; see the CLI's InstallCommand).
        if (args.Contains("--lighthouse")) role = DaemonRole.Lighthouse;
        // As pid 1 the runtime would reap the apps before their exit codes are read: run as pid 1's child.
        if (role == DaemonRole.Worker && InitShim.Needed()) return InitShim.Run(args);
        Gateway.SocketEngine.UseInlineCompletions();
        var home = PbmHome.FromEnvironment();
        string? api = Environment.GetEnvironmentVariable("PBM_API");
        var configFiles = new List<string>();
        var reapOnly = false;
        var reapInstancesOnly = false;
        string? seeds = null, clusterIp = null;
        int? clusterPort = null;
        var resurrect = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--home" when i + 1 < args.Length: home = new PbmHome(args[++i]); break;
                case "--api" when i + 1 < args.Length: api = args[++i]; break;
                case "--config" when i + 1 < args.Length: configFiles.Add(args[++i]); break;
                case "--foreground": break;
                case "--lighthouse": break;
                case "--reap": reapOnly = true; break;
                case "--reap-instances": reapInstancesOnly = true; break;
                case "--seeds" when i + 1 < args.Length: seeds = args[++i]; break;
                case "--cluster-ip" when i + 1 < args.Length: clusterIp = args[++i]; break;
                case "--cluster-port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var cp): clusterPort = cp; i++; break;
                case "--resurrect": resurrect = true; break;
                default:
                    await Console.Error.WriteLineAsync($"pbm-daemon: unknown argument '{args[i]}' (expected --home DIR, --api HOST:PORT, --config FILE, --seeds H:P,.., --cluster-ip IP, --cluster-port N, --resurrect, --lighthouse)");
                    return 2;
            }
        }
        home.Ensure();

        // A daemon killed -9 a moment ago still holds the lock while the kernel tears it down (tens of ms, more
        // under load): `pbm kill` right after it reaps, and a native daemon starts fast enough to get there first.
        FileStream? lockStream = null;
        for (var waited = 0; lockStream is null; waited += 50)
        {
            try
            {
                lockStream = new FileStream(home.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited < 2000)
            {
                await Task.Delay(50);
            }
            catch (IOException)
            {
                await Console.Error.WriteLineAsync($"pbm-daemon: a daemon already runs for {home.Root}");
                return ExitAlreadyRunning;
            }
        }
        using var _ = lockStream;

        if (reapOnly) return Reap(home);
        if (reapInstancesOnly) return ReapInstances(home);

        var bootstrap = ClusterBootstrap.Resolve(role, clusterIp, clusterPort, seeds);
        var config = LoadConfig(home, configFiles, role);
        bootstrap = bootstrap.ForTransport(config);
        var configuredName = config.GetString("pbm.node-name", "");
        var nodeName = configuredName.Length > 0 ? configuredName
            : bootstrap.Clustered ? Pbm.Client.Specs.HostNames.Of(Environment.MachineName, bootstrap.Hostname, bootstrap.Port) : Environment.MachineName;
        config = bootstrap.ToConfig(nodeName).WithFallback(config);
        if (bootstrap.PlaintextRefused(config) is { } refusal)
        {
            await Console.Error.WriteLineAsync($"pbm-daemon: {refusal}");
            return 2;
        }
        PbmSettings settings;
        try
        {
            settings = PbmSettings.From(config);
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"pbm-daemon: invalid configuration: {e.Message}");
            return 2;
        }
        api ??= settings.ApiTcp;
        using var orphanWatchdog = bootstrap.Clustered && role == DaemonRole.Worker && config.GetBoolean("pbm.cluster.kill-orphans-on-crash", true)
            ? OrphanWatchdog.Start(home)
            : null;

        using var fileLog = new FileLoggerProvider(home.DaemonLog);
        var bootLog = fileLog.CreateLogger("Daemon");
        bootLog.LogInformation("pbm daemon {Pid} starting in {Home} (socket completions {Mode})", Environment.ProcessId, home.Root,
            !Gateway.SocketEngine.Inline ? "on the thread pool"
            : Gateway.SocketEngine.Threads > 0 ? $"inline on {Gateway.SocketEngine.Threads} epoll thread(s)" : "inline");
        var warnings = new PidRegistry(home.PidDir).ReapOrphans(bootLog)
            .Select(o => $"killed orphan {o} left by a previous daemon").ToList();
        // A host agent restarted right after a crash joins only once the seed can have removed its old incarnation
        // (on the same address, a new incarnation that dials the seed first may never get its InitJoinAcks).
        if (CrashRejoinDelay.For(home, bootstrap, role, config) is { } rejoinDelay)
        {
            bootLog.LogWarning("the previous daemon of this home died without stopping (its {PidFile} is left): waiting {Delay:0.0} s " +
                               "before joining, so the seed has removed its old incarnation (pbm.cluster.crash-rejoin-delay)",
                home.DaemonPidFile, rejoinDelay.TotalSeconds);
            await Task.Delay(rejoinDelay);
        }
        var token = TokenFile.ReadOrCreate(home.TokenFile);

        await using var gateway = new Gateway.PbmGateway(Gateway.GatewaySettings.From(config), fileLog.CreateLogger("Gateway"));
        var builder = WebApplication.CreateSlimBuilder(PbmWebHost.Options());
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(fileLog);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
        if (File.Exists(home.Socket)) File.Delete(home.Socket);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Bodies over pbm.api.max-body-size are refused (413, see ErrorBodyMiddleware) and dropped as they come,
            // up to this; past it Kestrel closes the connection.
            k.Limits.MaxRequestBodySize = Math.Max(RequestBody.DrainLimit, settings.ApiMaxBodyBytes);
            // TCP first: Kestrel serves each endpoint as soon as it is bound, and `pbm daemon --api` returns once
            // the socket answers; bound in this order, the TCP API (and its TLS certificate) is ready by then.
            if (api is not null)
            {
                var endpoint = PbmEndpoint.Tcp(api, null);
                var certificate = ApiCertificate.Load(config);
                void Tls(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions o)
                {
                    if (certificate is not null) o.UseHttps(certificate);
                }
                if (endpoint.Host is "localhost") k.ListenLocalhost(endpoint.Port, Tls);
                else k.Listen(IPAddress.Parse(endpoint.Host!), endpoint.Port, Tls);
            }
            k.ListenUnixSocket(home.Socket);
        });
        builder.Services.AddSingleton(settings);
        var logHub = new LogHub(home.LogDir, settings.FollowBuffer);
        var metrics = new Metrics.MetricsBoard();
        builder.Services.AddSingleton(logHub);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(gateway);
        var info = new DaemonInfo(home, DateTimeOffset.UtcNow, typeof(PbmDaemon).Assembly.GetName().Version?.ToString(3) ?? "0.0.0")
        {
            Api = api is null || api.Contains("://", StringComparison.Ordinal) ? api
                : config.GetString("pbm.api.tls.certificate", "") is { Length: > 0 } ? "https://" + api : api,
        };
        builder.Services.AddSingleton(info);
        builder.Services.AddAkka("pbm", (akka, _) =>
        {
            akka.AddHocon(config, HoconAddMode.Replace);
            akka.ConfigureLoggers(l =>
            {
                l.ClearLoggers();
                l.AddLoggerFactory();
            });
            akka.WithPbmDaemon(new PbmHostOptions
            {
                Home = home, Settings = settings, StartupWarnings = warnings, GatewayInstance = gateway, Logs = logHub, Metrics = metrics,
            }, role);
        });

        var app = builder.Build();
        app.UseMiddleware<ErrorBodyMiddleware>();
        app.UseWebConsole(info);
        app.UseMiddleware<ApiTokenMiddleware>(token);
        ControlApi.Map(app, info);
        ClusterApi.Map(app);
        PalettesApi.Map(app);
        EventsApi.Map(app);
        ActorSystem? system = null; // taken once started: the services are disposed when RunAsync returns
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            system = app.Services.GetService<ActorSystem>();
            File.SetUnixFileMode(home.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(home.DaemonPidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            bootLog.LogInformation("control API on {Socket}{Tcp}", home.Socket, api is null ? "" : " and tcp " + api);
            if (resurrect) BootResurrect.Start(app.Services.GetRequiredService<ActorRegistry>(), settings, home.DumpFile(null), bootLog, app.Lifetime.ApplicationStopping);
            if (settings.PageOutAfterStart is { } pageOutAfter) TrimLater(pageOutAfter, settings.HeapTrimInterval, bootLog, app.Lifetime.ApplicationStopping);
        });
        (string Text, int ExitCode)? stoppedBy = null;
        try
        {
            await app.RunAsync();
        }
        catch (IOException e)
        {
            bootLog.LogCritical(e, "cannot listen");
            await Console.Error.WriteLineAsync($"pbm-daemon: cannot listen: {e.Message}");
            return 1;
        }
        finally
        {
            // Last words, after Akka's own lines in daemon.out and before the pid file goes: `pbm daemon` watches
            // that file and then shows the last line of daemon.out.
            stoppedBy = StoppedBy(system);
            if (stoppedBy is { } why)
            {
                bootLog.LogError("{Why}", why.Text);
                await Console.Error.WriteLineAsync($"pbm-daemon: {why.Text}");
                await Console.Error.FlushAsync();
            }
            try
            {
                File.Delete(home.Socket);
                File.Delete(home.DaemonPidFile);
            }
            catch (IOException)
            {
            }
            bootLog.LogInformation("pbm daemon {Pid} stopped", Environment.ProcessId);
        }
        return stoppedBy?.ExitCode ?? 0;
    }

    private const int TlsHandshakeFailed = 79;

    /// <summary>
    /// Why the actor system ended, when it was not asked to by this host (pbm kill, SIGTERM): Akka.Remote stops a
    /// node whose outbound TLS handshake fails (since 1.5.51: a misconfigured side must not half-join), and the
    /// cluster stops a node it downed. Null for an ordinary stop.
    /// </summary>
    internal static (string Text, int ExitCode)? StoppedBy(ActorSystem? system)
    {
        if (system is null) return null;
        var reason = CoordinatedShutdown.Get(system).ShutdownReason;
        return reason switch
        {
            // Akka.Remote.Transport.DotNetty.TlsHandshakeFailureReason is internal; its exit code is its public mark.
            { ExitCode: TlsHandshakeFailed } =>
                ("stopped by Akka.Remote: a TLS handshake with a cluster peer failed (the peer does not speak TLS, or one side " +
                 "does not trust the other's certificate; see pbm.log for the handshake error). Akka stops a node whose handshake " +
                 "fails rather than let it half-join: give every node and the lighthouse the same TLS settings", reason.ExitCode),
            CoordinatedShutdown.ClusterDowningReason =>
                ("stopped: the cluster downed this node (it was unreachable from the others); start it again to rejoin", 1),
            _ => null,
        };
    }

    /// <summary>
    /// After start: the GC's start-up garbage (<see cref="HeapTrim"/>), then the start-up file pages
    /// (<see cref="StartupPages"/>), in that order so the collection's own code is paged out too. Then every
    /// <paramref name="every"/>, the heap again when the GC holds far more than it uses. Each waits for a quiet
    /// second (<see cref="QuietAsync"/>): a daemon busy forwarding requests would fault every paged-out page
    /// straight back, one at a time, and stall its gateway doing it (bench/gateway measured a round 25% slower
    /// when the page-out fell into it), and the compacting collection blocks the gateway's threads.
    /// </summary>
    private static void TrimLater(TimeSpan after, TimeSpan? every, ILogger log, CancellationToken stopping) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(after, stopping).ConfigureAwait(false);
                if (!await QuietAsync(QuietWaitMax, stopping).ConfigureAwait(false))
                    log.LogInformation("the daemon was busy for {Minutes} min after start: trimming and paging out now", QuietWaitMax.TotalMinutes);
                LogHeapTrim(log, HeapTrim.Collect());
                var r = StartupPages.PageOut();
                if (r.Error is not null) log.LogInformation("start-up pages not paged out: {Error}", r.Error);
                else log.LogInformation("paged out start-up file pages: resident file-backed memory {Before} MB -> {After} MB ({Mappings} mappings)",
                    r.FileBefore >> 20, r.FileAfter >> 20, r.Mappings);
                if (every is not { } interval) return;
                using var timer = new PeriodicTimer(interval);
                while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                    if (HeapTrim.Worthwhile() && await QuietAsync(TimeSpan.FromSeconds(30), stopping).ConfigureAwait(false))
                        LogHeapTrim(log, HeapTrim.Collect());
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                log.LogInformation("start-up pages not paged out: {Error}", e.Message);
            }
        });

    private static readonly TimeSpan QuietWaitMax = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Waits until the daemon used under a tenth of a core over one second (an idle daemon uses about 1%); false
    /// when <paramref name="max"/> passed first.
    /// </summary>
    private static async Task<bool> QuietAsync(TimeSpan max, CancellationToken stopping)
    {
        var deadline = DateTime.UtcNow + max;
        var last = Environment.CpuUsage.TotalTime;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
            var now = Environment.CpuUsage.TotalTime;
            if (now - last < TimeSpan.FromMilliseconds(100)) return true;
            if (DateTime.UtcNow >= deadline) return false;
            last = now;
        }
    }

    private static void LogHeapTrim(ILogger log, HeapTrim.Result r) =>
        log.LogInformation("trimmed the GC heap: committed {Before} MB -> {After} MB ({Live} MB live)",
            r.CommittedBefore >> 20, r.CommittedAfter >> 20, r.Live >> 20);

    /// <summary>The orphan watchdog's errand: kill the instances the pid files name (a crashed clustered daemon's).</summary>
    private static int ReapInstances(PbmHome home)
    {
        using var log = new FileLoggerProvider(home.DaemonLog);
        var reaped = new PidRegistry(home.PidDir).ReapOrphans(log.CreateLogger("Reaper"));
        return reaped.Count == 0 ? 0 : 10;
    }

    /// <summary>
    /// `pbm kill` when no daemon answers: one may have been killed -9 and left its apps running. Kill what the
    /// pid files name and forget the app set, exactly what a graceful `pbm kill` would have left.
    /// </summary>
    private static int Reap(PbmHome home)
    {
        var code = ReapInstances(home);
        if (File.Exists(home.StateFile)) Master.StateStore.Write(home.StateFile, []);
        return code;
    }

    /// <summary>
    /// reference.conf, then hocon/pbm.hocon (or lighthouse.hocon) beside the binary, then PBM_HOME/pbm.hocon,
    /// then --config files, then AKKA__/PBM__ environment variables (last wins); the cluster bootstrap goes on top.
    /// </summary>
    private static Akka.Configuration.Config LoadConfig(PbmHome home, IEnumerable<string> extra, DaemonRole role)
    {
        var config = PbmSettings.Reference;
        var roleFile = role == DaemonRole.Lighthouse ? "lighthouse.hocon" : "pbm.hocon";
        var files = new List<string> { Path.Combine(AppContext.BaseDirectory, "hocon", roleFile), Path.Combine(home.Root, "pbm.hocon") };
        files.AddRange(extra);
        foreach (var file in files.Where(File.Exists))
            config = ConfigurationFactory.ParseString(File.ReadAllText(file)).WithFallback(config);
        return ClusterBootstrap.FromEnvironment().WithFallback(config);
    }
}
