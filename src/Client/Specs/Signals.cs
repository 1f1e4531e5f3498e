namespace Pbm.Client.Specs;

/// <summary>Linux signal names and numbers (x86-64 and arm64 agree on these).</summary>
public static class Signals
{
    private static readonly (string Name, int Number)[] Table =
    [
        ("SIGHUP", 1), ("SIGINT", 2), ("SIGQUIT", 3), ("SIGILL", 4), ("SIGTRAP", 5), ("SIGABRT", 6), ("SIGBUS", 7),
        ("SIGFPE", 8), ("SIGKILL", 9), ("SIGUSR1", 10), ("SIGSEGV", 11), ("SIGUSR2", 12), ("SIGPIPE", 13),
        ("SIGALRM", 14), ("SIGTERM", 15), ("SIGCONT", 18), ("SIGSTOP", 19), ("SIGTSTP", 20), ("SIGWINCH", 28),
    ];

    /// <summary>"term", "SIGTERM", "15" → "SIGTERM"; null when unknown.</summary>
    public static string? Normalize(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        if (int.TryParse(t, out var number)) return NameOf(number);
        if (!t.StartsWith("SIG", StringComparison.Ordinal)) t = "SIG" + t;
        return Array.Exists(Table, s => s.Name == t) ? t : null;
    }

    public static int NumberOf(string name) =>
        Array.Find(Table, s => s.Name == name).Number is var n and > 0 ? n : throw new ArgumentException($"unknown signal {name}");

    public static string? NameOf(int number) => Array.Find(Table, s => s.Number == number).Name;
}
