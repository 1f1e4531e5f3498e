using Akka.Configuration;

namespace Pbm.Runtime.WebConsole;

/// <summary>The pbm.console section of the HOCON (reference.conf has every default, commented).</summary>
internal sealed record ConsoleSettings(TimeSpan SnapshotInterval, TimeSpan LogPollInterval, int MaxLogLines)
{
    public static ConsoleSettings From(Akka.Configuration.Config config)
    {
        var settings = new ConsoleSettings(
            config.GetTimeSpan("pbm.console.snapshot-interval", TimeSpan.FromSeconds(1)),
            config.GetTimeSpan("pbm.console.log-poll-interval", TimeSpan.FromMilliseconds(250)),
            config.GetInt("pbm.console.max-log-lines", 10_000));
        if (settings.SnapshotInterval < TimeSpan.FromMilliseconds(100))
            throw new ConfigurationException("pbm.console.snapshot-interval must be at least 100ms");
        if (settings.LogPollInterval < TimeSpan.FromMilliseconds(20))
            throw new ConfigurationException("pbm.console.log-poll-interval must be at least 20ms");
        if (settings.MaxLogLines < 1) throw new ConfigurationException("pbm.console.max-log-lines must be at least 1");
        return settings;
    }
}
