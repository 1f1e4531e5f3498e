namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>Reads /proc to see which processes really run, independent of what pbm says.</summary>
internal static class ProcessTable
{
    public static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state != 'Z' && state != 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The session id of <paramref name="pid"/>, or 0 once it is gone.</summary>
    public static int Session(int pid) => StatField(pid, 3);

    /// <summary>The parent pid of <paramref name="pid"/>, or 0 once it is gone.</summary>
    public static int Parent(int pid) => StatField(pid, 1);

    /// <summary>A numeric field of /proc/PID/stat counted from the one after the command's name (1: ppid, 3: session); 0 once gone.</summary>
    private static int StatField(int pid, int index)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[index]);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The chain of parents of <paramref name="pid"/>, nearest first, up to pid 1.</summary>
    public static List<int> Ancestors(int pid)
    {
        var chain = new List<int>();
        for (var p = Parent(pid); p > 1 && chain.Count < 64; p = Parent(p)) chain.Add(p);
        return chain;
    }

    /// <summary>Pids of live processes whose environment has NAME=VALUE.</summary>
    public static List<int> WithEnv(string name, string value)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes($"{name}={value}\0");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var env = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (env.AsSpan().IndexOf(needle) >= 0 && Alive(pid)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    /// <summary>Live processes whose command line contains <paramref name="text"/>.</summary>
    public static List<int> WithCommandLine(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains(text, StringComparison.Ordinal) && Alive(pid)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
