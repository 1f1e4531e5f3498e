using System.Security.Cryptography;
using System.Text;
using Pbm.Client;

namespace Pbm.Cli.Commands;

/// <summary>
/// What <c>pbm install</c> writes under a prefix, and the record that lets <c>pbm uninstall</c> remove exactly that:
/// PREFIX/share/pbm/installed.sha256, one "SHA-256  bin/NAME" line per file (<c>cd PREFIX &amp;&amp; sha256sum -c</c> reads it).
/// </summary>
internal sealed class InstallFiles
{
    /// <summary>The native binaries copied from this build's folder, in install order (the CLI last: it is what users run).</summary>
    public static readonly string[] Binaries = ["pbm-daemon", "pbm"];

    public const string Lighthouse = "pbm-lighthouse";

    /// <summary>
    /// The lighthouse is not a binary of its own once installed: it is the native daemon in the lighthouse role
    /// (pbm-daemon --lighthouse, the same code as src/Lighthouse). A separate Native AOT lighthouse would be a second
    /// ~50 MB binary and minutes more of every ./pbm build for a program that differs by one argument; a JIT one would
    /// need its ~30 dlls in a lib folder. readlink -f: reached through a symlink, it still finds its pbm-daemon.
    /// </summary>
    public static readonly string LighthouseLauncher =
        "#!/bin/sh\n" +
        "# pbm-lighthouse, written by `pbm install`: a pbm seed node, which is the native pbm-daemon beside this file in\n" +
        "# the lighthouse role. Same arguments and environment as pbm-lighthouse (CLUSTER_IP, CLUSTER_PORT, CLUSTER_SEEDS).\n" +
        "exec \"$(dirname -- \"$(readlink -f -- \"$0\")\")/pbm-daemon\" --lighthouse \"$@\"\n";

    public InstallFiles(string prefix)
    {
        Prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(prefix));
        Bin = Path.Combine(Prefix, "bin");
        Manifest = Path.Combine(Prefix, "share", "pbm", "installed.sha256");
    }

    public string Prefix { get; }
    public string Bin { get; }
    public string Manifest { get; }

    /// <summary>Every file install writes into bin, by name.</summary>
    public IEnumerable<string> Names => Binaries.Append(Lighthouse);

    /// <summary>--prefix, else ~/.local (binaries in ~/.local/bin, on PATH in most distributions' default profile).</summary>
    public static InstallFiles For(string? prefix)
    {
        if (prefix is { Length: 0 }) throw new Cli.UsageException("--prefix needs a directory");
        if (prefix is null)
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home)) throw new PbmException("no home directory to install into: give --prefix DIR");
            prefix = Path.Combine(home, ".local");
        }
        return new InstallFiles(prefix);
    }

    /// <summary>The recorded files: "bin/NAME" to its SHA-256 (empty when nothing was installed here).</summary>
    public Dictionary<string, string> ReadManifest()
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(Manifest)) return entries;
        foreach (var line in File.ReadLines(Manifest))
        {
            var parts = line.Split("  ", 2);
            if (parts.Length == 2 && parts[0].Length == 64 && parts[1].StartsWith("bin/", StringComparison.Ordinal)) entries[parts[1]] = parts[0];
        }
        return entries;
    }

    public void WriteManifest(IReadOnlyDictionary<string, string> files) =>
        WriteAtomically(Manifest, Encoding.UTF8.GetBytes(string.Concat(files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Value}  {f.Key}\n"))), executable: false);

    public static string Hash(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Null when <paramref name="path"/> is a self-contained native binary, else why not. A framework-dependent
    /// launcher (the JIT build's apphost) loads libhostfxr.so to find its dll and the .NET runtime, neither of which
    /// would be in the bin folder; a Native AOT binary never names it.
    /// </summary>
    public static string? NotNative(string path, byte[] content)
    {
        if (content.Length < 4 || content[0] != 0x7f || content[1] != (byte)'E' || content[2] != (byte)'L' || content[3] != (byte)'F')
            return $"{path} is not an executable (ELF) file";
        // Encoded here, not a u8 literal: this binary would then hold the ASCII bytes it looks for (a string literal is
        // stored as UTF-16).
        return content.AsSpan().IndexOf(Encoding.ASCII.GetBytes("libhostfxr")) >= 0
            ? $"{path} is a framework-dependent build (it needs its dlls and the .NET runtime beside it), not a native one"
            : null;
    }

    /// <summary>Writes a temp file beside <paramref name="path"/> and renames it over: a daemon running the old file keeps its inode.</summary>
    public static void WriteAtomically(string path, byte[] content, bool executable)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.install-{Environment.ProcessId}");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (executable) mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        try
        {
            using (var stream = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            // The umask may have narrowed the create mode.
            File.SetUnixFileMode(tmp, mode);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Pids of the processes (this one aside) whose executable is one of <paramref name="paths"/>, replaced or not.</summary>
    public static List<(int Pid, string Exe)> Running(IReadOnlyCollection<string> paths)
    {
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var exe = new FileInfo(Path.Combine(dir, "exe")).LinkTarget;
                if (exe is null) continue;
                if (exe.EndsWith(" (deleted)", StringComparison.Ordinal)) exe = exe[..^" (deleted)".Length];
                if (paths.Contains(exe)) found.Add((pid, exe));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another user's process, or one that just exited.
            }
        }
        return found;
    }

    /// <summary>True when <see cref="Bin"/> is a directory of PATH.</summary>
    public bool BinOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(d => Path.IsPathRooted(d) && Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)) == Bin);

    /// <summary>The first pbm on PATH, when it is not this prefix's (it would shadow the installed one).</summary>
    public string? ShadowingPbm()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Path.IsPathRooted(dir)) continue;
            var candidate = Path.Combine(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)), "pbm");
            if (!File.Exists(candidate)) continue;
            return candidate == Path.Combine(Bin, "pbm") ? null : candidate;
        }
        return null;
    }
}
