using System.Globalization;

namespace Pbm.Runtime.Processes;

/// <summary>The host's 1-minute load average and memory, from /proc.</summary>
internal static class HostLoad
{
    public static (double Load1, long MemTotal, long MemAvailable) Read()
    {
        double load = 0;
        long total = 0, available = 0;
        try
        {
            load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) total = Kb(line);
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) available = Kb(line);
            }
        }
        catch (IOException)
        {
        }
        return (load, total, available);
    }

    private static long Kb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
