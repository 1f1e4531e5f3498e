namespace Pbm.Cli.Commands;

/// <summary>
/// PM2 commands typed by habit: those pbm has under another name run as that command; those it has no
/// equivalent for answer with what to do instead, in one line, rather than "unknown command".
/// </summary>
internal static class Pm2Habits
{
    /// <summary>PM2 name → the pbm command that does the same.</summary>
    public static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["l"] = "list",
        ["dump"] = "save",
        ["imonit"] = "monit",
        ["gracefulReload"] = "reload",
        ["startOrGracefulReload"] = "startOrReload",
        ["send-signal"] = "sendSignal",
        ["sendsignal"] = "sendSignal",
        ["start-or-restart"] = "startOrRestart",
        ["start-or-reload"] = "startOrReload",
        ["slist"] = "hosts",
        ["sysinfos"] = "hosts",
        ["web"] = "console",
        ["dashboard"] = "monit",
    };

    /// <summary>PM2 name → what to do with pbm instead.</summary>
    public static readonly Dictionary<string, string> Instead = new(StringComparer.Ordinal)
    {
        ["update"] = "pbm has no in-memory daemon to update: after upgrading pbm, `pbm save && pbm kill && pbm resurrect` restarts the daemon with your apps",
        ["reloadLogs"] = "pbm rotates its log files itself (--log-max-size, --log-max-files): there is nothing to reopen",
        ["cleardump"] = "pbm save rewrites the dump; to clear it, `pbm kill` then `pbm save`, or remove PBM_HOME/dump.json",
        ["id"] = "`pbm list` shows each instance's number in its # column (`pbm jlist` has pm_id)",
        ["ecosystem"] = "pbm start reads ecosystem.config.js as it is; hocon/apps.hocon shows pbm's own app file format",
        ["init"] = "pbm start reads ecosystem.config.js as it is; hocon/apps.hocon shows pbm's own app file format",
        ["serve"] = "pbm does not serve static files; start a static server as an app (pbm start \"npx serve -l 8080 dist\")",
        ["module:install"] = "pbm has no PM2 modules",
        ["module:update"] = "pbm has no PM2 modules",
        ["module:uninstall"] = "pbm has no PM2 modules",
        ["set"] = "pbm's settings are HOCON: PBM_HOME/pbm.hocon (src/Runtime/reference.conf lists them)",
        ["conf"] = "pbm's settings are HOCON: PBM_HOME/pbm.hocon (src/Runtime/reference.conf lists them)",
        ["get"] = "pbm's settings are HOCON: PBM_HOME/pbm.hocon (src/Runtime/reference.conf lists them)",
        ["link"] = "pbm has no hosted dashboard; `pbm console` opens its web console",
        ["unlink"] = "pbm has no hosted dashboard; `pbm console` opens its web console",
        ["plus"] = "pbm has no hosted dashboard; `pbm console` opens its web console",
        ["trigger"] = "pbm has no custom actions; `pbm sendSignal SIGUSR2 APP` signals an app",
        ["report"] = "`pbm ping`, `pbm hosts` and `pbm show APP` tell what pbm knows; PBM_HOME/pbm.log is the daemon's log",
        ["attach"] = "`pbm logs APP` follows its output; pbm does not forward a terminal's input to apps",
        ["inspect"] = "run the app with --node-args --inspect=127.0.0.1:9229 (one instance) and attach a debugger there",
        ["profile:cpu"] = "start the app with --node-args --cpu-prof; the profile is written when it exits",
        ["profile:mem"] = "start the app with --node-args --heap-prof; the profile is written when it exits",
        ["autoinstall"] = "pbm has no PM2 modules",
        ["deepUpdate"] = "pbm has no in-memory daemon to update: `pbm save && pbm kill && pbm resurrect`",
    };
}
