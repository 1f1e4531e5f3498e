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
        new("env", true, "KEY=VALUE added to the environment (repeatable)", "-e"),
        new("interpreter", true, "program that runs the script (node, python3, ...; 'none' to exec it)"),
        new("max-restarts", true, "unstable starts in a row before errored (default 16)"),
        new("min-uptime", true, "a run this long counts as stable (default 1s)"),
        new("restart-delay", true, "delay before every restart (default 0)"),
        new("no-autorestart", false, "do not restart instances that exit"),
        new("stop-exit-codes", true, "exit codes that mean done, comma separated"),
        new("kill-signal", true, "stop signal sent to the process group (default SIGTERM)"),
        new("kill-timeout", true, "time before SIGKILL when stopping (default 5s)"),
        new("max-memory", true, "restart an instance gracefully when its process tree passes this memory (300M, 1G)"),
        new("no-time", false, "do not prefix log lines with the time"),
        new("log-format", true, "text (default) or json: one JSON object per line"),
        new("log-max-size", true, "rotate a log file past this size (default 10M)"),
        new("log-max-files", true, "log files kept per stream, the current one included (default 5)"),
    ];

    public static readonly OptionSpec[] LogsOptions =
    [
        new("lines", true, "lines of each instance to show first (default 15)", "-n"),
        new("follow", false, "then print new lines as they come, across restarts, until Ctrl+C", "-f"),
        new("err", false, "stderr only"),
        new("out", false, "stdout only"),
        new("raw", false, "the lines only, without id and time"),
    ];

    public static readonly Dictionary<string, (OptionSpec[] Options, string Usage, string Help)> Commands = new()
    {
        ["start"] = (StartOptions, "start <script|dir|package.json|app> [options] [-- args]", "start an app (or a stopped one by name)"),
        ["list"] = ([], "list", "every instance: id, app, host, pid, status, uptime, restarts, cpu, memory"),
        ["ls"] = ([], "ls", "same as list"),
        ["show"] = ([], "show <app|app:N>", "an app's spec, instances, last exits and reasons"),
        ["stop"] = ([], "stop <app|app:N|all>", "stop instances gracefully (kept in the list)"),
        ["restart"] = ([], "restart <app|app:N|all>", "restart instances (also errored ones)"),
        ["delete"] = ([], "delete <app|all>", "stop and forget apps"),
        ["del"] = ([], "del <app|all>", "same as delete"),
        ["scale"] = ([], "scale <app> <N|+N|-N>", "resize an app"),
        ["logs"] = (LogsOptions, "logs [app|app:N] [-n N] [-f] [--err|--out] [--raw]", "the last lines of each instance, merged by time; --follow streams"),
        ["flush"] = ([], "flush [app|app:N]", "empty log files (of every app when none is given)"),
        ["monit"] = ([], "monit", "live view of every instance's cpu, memory and latest log lines"),
        ["ping"] = ([], "ping", "start the daemon if needed and show it"),
        ["kill"] = ([], "kill", "stop every app and the daemon"),
        ["save"] = ([], "save [name|file.json]", "write the app set to a dump (default PBM_HOME/dump.json)"),
        ["resurrect"] = ([], "resurrect [name|file.json]", "start the apps of a dump that are not running"),
        ["daemon"] = ([new("foreground", false, "run in the foreground (systemd, containers)"), new("api", true, "also listen on TCP HOST:PORT (token required)")],
            "daemon [--foreground] [--api HOST:PORT]", "run the daemon"),
        ["version"] = ([], "version", "print the version"),
        ["help"] = ([], "help [command]", "show help"),
    };
}
