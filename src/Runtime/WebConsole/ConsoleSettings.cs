using Akka.Configuration;

namespace Pbm.Runtime.WebConsole;

/// <summary>The pbm.console section of the HOCON (reference.conf has every default, commented).</summary>
internal sealed record ConsoleSettings(TimeSpan SnapshotInterval)
{
    public static ConsoleSettings From(Akka.Configuration.Config config)
    {
        var settings = new ConsoleSettings(config.GetTimeSpan("pbm.console.snapshot-interval", TimeSpan.FromSeconds(1)));
        if (settings.SnapshotInterval < TimeSpan.FromMilliseconds(100))
            throw new ConfigurationException("pbm.console.snapshot-interval must be at least 100ms");
        return settings;
    }
}
