using Pbm.Cli.Cli;

namespace Pbm.Cli.Commands;

/// <summary>Every command, its options and its help line.</summary>
internal static class CommandTable
{
    public static readonly OptionSpec[] StartOptions =
    [
        new("name", true, "app name (default: the script's name)", "-n"),
        new("instances", true, "number of instances, or 'max' for one per CPU", "-i"),
        new("cwd", true, "working directory"),
        new("env", true, "KEY=VALUE added to the environment (repeatable); with an app file, NAME selects its env_NAME"),
        new("interpreter", true, "program that runs the script (node, python3, ...; 'none' to exec it)"),
        new("node-args", true, "arguments for the interpreter, before the script (\"--max-old-space-size=512\"; repeatable)", "interpreter-args"),
        new("increment-var", true, "a variable each instance gets as its value plus its index (PORT: 3000, 3001...)"),
        new("instance-var", true, "the variable holding the instance's index (default NODE_APP_INSTANCE)"),
        new("no-autostart", false, "register the app stopped; pbm start NAME starts it"),
        new("filter-env", true, "leave variables of your shell out of the app's environment: names containing these (comma separated), or * for all"),
        new("update-env", false, "with an app that already exists: restart it with your environment now (as pbm restart --update-env)"),
        new("force", false, "with an app that already runs: add the instances asked for (-i, default 1) instead of refusing", "-f"),
        new("max-restarts", true, "unstable starts in a row before errored (default 16)"),
        new("min-uptime", true, "a run this long counts as stable (default 1s)"),
        new("restart-delay", true, "delay before every restart (default 0)"),
        new("no-autorestart", false, "do not restart instances that exit"),
        new("stop-exit-codes", true, "exit codes that mean done, comma separated"),
        new("kill-signal", true, "stop signal sent to the process group (default SIGTERM)"),
        new("kill-timeout", true, "time before SIGKILL when stopping (default 5s)"),
        new("port", true, "public port of the gateway; instances get a private PORT and requests are spread round-robin", "-p"),
        new("ready", true, "readiness check: tcp (default with --port), http:/path (2xx), or message (the app calls process.send('ready'))"),
        new("wait-ready", false, "same as --ready message (PM2's --wait-ready)"),
        new("listen-timeout", true, "time a new instance has to become ready (default 10s)"),
        new("route", true, "serve only paths under this prefix on the port (share a port between apps)"),
        new("route-host", true, "serve only requests for this Host on the port"),
        new("sticky", false, "keep each client on one instance (cookie)"),
        new("hosts", true, "pin instances to these hosts (comma separated node names, see pbm hosts)"),
        new("max-per-host", true, "at most N instances of the app on one host"),
        new("max-memory", true, "restart an instance gracefully when its process tree passes this memory (300M, 1G)", "max-memory-restart"),
        new("no-time", false, "do not prefix log lines with the time"),
        new("log-format", true, "text (default) or json: one JSON object per line"),
        new("log-max-size", true, "rotate a log file past this size (default 10M)"),
        new("log-max-files", true, "log files kept per stream, the current one included (default 5)"),
        new("watch", false, "restart (reload with --port) on changes in the script's folder, or in PATHS (comma separated, after the script)") { OptionalValue = true },
        new("ignore-watch", true, "names or globs the watch ignores (repeatable; node_modules, .git and logs always are)"),
        new("watch-delay", true, "quiet time after the last change before acting (default 500ms)"),
        new("cron-restart", true, "restart on a five-field cron schedule, e.g. \"0 3 * * *\" (reload with --port)", "cron"),
        new("pid-file", true, "write instance 0's pid to this file, instance N's to NAME-N.EXT"),
        new("only", true, "with an app file: start only these apps (comma separated)"),
    ];

    public static readonly OptionSpec[] LogsOptions =
    [
        new("lines", true, "lines of each instance to show first (default 15)", "-n"),
        new("follow", false, "print new lines as they come, across restarts, until Ctrl+C (the default; kept for scripts that say it)", "-f"),
        new("nostream", false, "print the last lines and exit (PM2's --nostream)", "no-stream"),
        new("err", false, "stderr only"),
        new("out", false, "stdout only"),
        new("raw", false, "the lines only, without id and time"),
    ];

    private static readonly OptionSpec Parallel = new("parallel", true, "instances replaced at a time (default 1)");

    /// <summary>What a command given an app file takes: the file's env_NAME and a subset of its apps.</summary>
    public static readonly OptionSpec[] FileOptions =
    [
        new("env", true, "with an app file: NAME selects its env_NAME"),
        new("only", true, "with an app file: only these apps (comma separated)"),
    ];

    public static readonly Dictionary<string, (OptionSpec[] Options, string Usage, string Help)> Commands = new()
    {
        ["start"] = (StartOptions, "start <script|dir|package.json|app> [options] [-- args]", "start an app (or a stopped one by name)"),
        ["list"] = ([], "list", "every instance: #, id, app, host, pid, status, uptime, restarts, cpu, memory (# is PM2's pm_id: pbm restart 3)"),
        ["ls"] = ([], "ls", "same as list"),
        ["status"] = ([], "status", "same as list"),
        ["jlist"] = ([], "jlist", "every instance as JSON in PM2's jlist shape (pm_id, pid, monit, pm2_env), for PM2 scripts"),
        ["prettylist"] = ([], "prettylist", "jlist, indented"),
        ["show"] = ([], "show <app|app:N|#>", "an app's spec, instances, last exits and reasons"),
        ["describe"] = ([], "describe <app|app:N|#>", "same as show"),
        ["reset"] = ([], "reset <app|app:N|#|all>", "zero the restart counters"),
        ["sendSignal"] = ([], "sendSignal <SIGNAL> <app|app:N|#|all>", "send a signal to instances' processes (kill -USR2 the app, not its children)"),
        ["startOrRestart"] = (CommandTable.FileOptions, "startOrRestart <app file>", "start the file's apps; restart (environment re-read) those that run"),
        ["startOrReload"] = (CommandTable.FileOptions, "startOrReload <app file>", "start the file's apps; reload (rolling, no downtime) those that run"),
        ["unstartup"] = ([new("unit", true, "unit name (default pbm-USER)"), new("user", true, "the user whose unit it is (default: you, or SUDO_USER)")],
            "unstartup [--user U]", "disable and remove the systemd unit pbm startup --install wrote"),
        ["stop"] = (FileOptions, "stop <app|app:N|#|all|app file>", "stop instances gracefully (kept in the list)"),
        ["restart"] = ([new("update-env", false, "re-read your environment (and the app file the app came from); variables you unset are removed"),
                new("env", true, "with --update-env: KEY=VALUE to add, or NAME to select env_NAME of the app file"),
                new("only", true, "with an app file: only these apps (comma separated)")],
            "restart <app|app:N|#|all|app file> [--update-env]", "restart instances (also errored ones)"),
        ["delete"] = (FileOptions, "delete <app|all|app file>", "stop and forget apps"),
        ["del"] = (FileOptions, "del <app|all|app file>", "same as delete"),
        ["scale"] = ([], "scale <app> <N|+N|-N>", "resize an app"),
        ["reload"] = ([Parallel, .. FileOptions], "reload <app|all|app file> [--parallel N]", "zero-downtime rolling restart; halts if a new instance fails"),
        ["deploy"] = ([Parallel, new("path", true, "directory of the new version")], "deploy <app> --path DIR", "roll a new version out like reload"),
        ["rollback"] = ([Parallel], "rollback <app>", "roll the previous version back out"),
        ["disconnect"] = ([], "disconnect <app:N>", "take an instance out of the gateway, keep it running, start a replacement"),
        ["logs"] = (LogsOptions, "logs [app|app:N|#] [-n N] [--nostream] [--err|--out] [--raw]", "the last lines of each instance merged by time, then new ones as they come until Ctrl+C (--nostream: exit after the last lines)"),
        ["flush"] = ([], "flush [app|app:N|#]", "empty log files (of every app when none is given)"),
        ["monit"] = ([], "monit", "live view of every instance's cpu, memory and latest log lines"),
        ["env"] = ([], "env <app|app:N|#>", "the environment an instance runs with"),
        ["pid"] = ([], "pid <app|app:N|#>", "the pids of an app's running instances, one per line"),
        ["startup"] = ([new("install", false, "write the unit to /etc/systemd/system and enable it (needs root)"),
                new("user", true, "the user the daemon runs as (default: you, or SUDO_USER)"),
                new("unit", true, "unit name (default pbm-USER)")],
            "startup [--install] [--user U]", "print a systemd unit that runs the daemon and brings the apps back at boot"),
        ["completion"] = ([], "completion <bash|zsh>", "print a shell completion script: source <(pbm completion bash)"),
        ["__complete"] = ([], "__complete apps|palettes|palette NAME [COMMAND]", "(for completion scripts) names, one per line; never starts a daemon"),
        ["ping"] = ([], "ping", "start the daemon if needed and show it"),
        ["kill"] = ([], "kill", "stop every app and the daemon"),
        ["save"] = ([], "save [name|file.json]", "write the app set to a dump (default PBM_HOME/dump.json)"),
        ["resurrect"] = ([], "resurrect [name|file.json]", "start the apps of a dump that are not running"),
        ["daemon"] = ([new("foreground", false, "run in the foreground (systemd, containers)"), new("api", true, "also listen on TCP HOST:PORT (token required)"),
                new("seeds", true, "join a cluster: seed nodes HOST:PORT,... (env PBM_SEEDS / CLUSTER_SEEDS)"),
                new("cluster-ip", true, "address other nodes reach this one at (env CLUSTER_IP)"),
                new("cluster-port", true, "Akka.Remote port of this node (env CLUSTER_PORT)"),
                new("resurrect", false, "once up, also start the apps of PBM_HOME/dump.json it does not know (pbm startup)")],
            "daemon [--foreground] [--api HOST:PORT] [--seeds H:P,..] [--resurrect]", "run the daemon (a cluster node with --seeds)"),
        ["cluster"] = ([new("address", true, "member address (akka.tcp://pbm@HOST:PORT or HOST:PORT)", "-a")],
            "cluster show|status|leader|join|leave|down|down-unreachable|tail [-a ADDR]", "cluster membership, as Petabridge.Cmd's cluster palette"),
        ["hosts"] = ([], "hosts", "host agents with their load and instance counts"),
        ["console"] = ([], "console", "print the web console's link (logs in with the token)"),
        ["actor"] = ([new("depth", true, "levels to show (default 4)", "-d")], "actor hierarchy [-d N]", "the actors of the answering node"),
        ["palettes"] = ([], "palettes", "command palettes services registered in the cluster (pbm PALETTE --help)"),
        ["events"] = ([], "events", "stream app, instance and cluster events until Ctrl+C"),
        ["install"] = (InstallCommand.Options, "install [--prefix DIR]", "copy the native pbm, pbm-daemon and pbm-lighthouse to DIR/bin (default ~/.local/bin)"),
        ["uninstall"] = (InstallCommand.Options, "uninstall [--prefix DIR]", "remove what pbm install put in DIR/bin, and nothing else"),
        ["version"] = ([], "version", "print the version"),
        ["help"] = ([], "help [command]", "show help"),
    };
}
