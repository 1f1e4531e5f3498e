using System.Text;
using System.Text.Json;
using Pbm.Cli.Cli;
using Pbm.Client;

namespace Pbm.Cli.Commands;

/// <summary>
/// pbm install [--prefix DIR] copies this build's native pbm and pbm-daemon, and writes a pbm-lighthouse launcher,
/// into PREFIX/bin, as <c>make install PREFIX=DIR</c> does: the prefix is the parent of bin (default ~/.local, so
/// ~/.local/bin; --prefix /usr/local gives /usr/local/bin). Each file is written to a temp file and renamed over
/// the old one, so a daemon running the previous version keeps running it until it is restarted. The installed
/// pbm starts the pbm-daemon beside it (DaemonLauncher.Locate; a symlink to it resolves to the real folder).
/// pbm uninstall [--prefix DIR] removes what install recorded, and nothing else: a file changed since, or one
/// install did not write, is left alone and the command fails.
/// </summary>
internal static class InstallCommand
{
    public static readonly OptionSpec[] Options =
        [new("prefix", true, "installation prefix, the parent of bin: files go to PREFIX/bin (default ~/.local)")];

    public static int Install(Context c)
    {
        NoPositionals(c);
        var target = InstallFiles.For(c.Args.Value("prefix"));
        var source = AppContext.BaseDirectory;
        var recorded = target.ReadManifest();
        var foreign = target.Names.Select(n => Path.Combine(target.Bin, n))
            .FirstOrDefault(p => (File.Exists(p) || Directory.Exists(p)) && !recorded.ContainsKey("bin/" + Path.GetFileName(p)));
        if (foreign is not null)
            throw new PbmException($"{foreign} exists and pbm install did not write it (it is not in {target.Manifest}): remove it, or choose another --prefix");

        if (!File.Exists(Path.Combine(source, "pbm")) && File.Exists(Path.Combine(source, "pbm.dll")))
            throw new PbmException("this pbm is the .NET tool (dotnet tool install/uninstall manage it): pbm install copies the native binaries of a ./pbm build");
        var contents = new List<(string Name, byte[] Content)>();
        foreach (var name in InstallFiles.Binaries)
        {
            var path = Path.Combine(source, name);
            if (!File.Exists(path))
                throw new PbmException($"{path} is missing: pbm install copies the native binaries of a ./pbm build (this pbm runs from {source})");
            var content = File.ReadAllBytes(path);
            if (InstallFiles.NotNative(path, content) is { } why)
                throw new PbmException($"{why}: pbm install copies native binaries only; build them with ./pbm (without PBM_AOT=0; " +
                                       $"if the native build failed, {Path.GetFullPath(Path.Combine(source, "..", "build.log"))} says why)");
            contents.Add((name, content));
        }
        contents.Add((InstallFiles.Lighthouse, Encoding.UTF8.GetBytes(InstallFiles.LighthouseLauncher)));

        // The record is updated even when a write fails half-way, so uninstall can still remove what was replaced.
        var record = new Dictionary<string, string>(recorded, StringComparer.Ordinal);
        var written = new List<(string Name, string Hash)>();
        Exception? failure = null;
        try
        {
            foreach (var (name, content) in contents)
            {
                InstallFiles.WriteAtomically(Path.Combine(target.Bin, name), content, executable: true);
                written.Add((name, InstallFiles.Hash(content)));
                record["bin/" + name] = written[^1].Hash;
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            failure = e;
        }
        try
        {
            if (written.Count > 0) target.WriteManifest(record);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            failure ??= e;
        }
        if (failure is not null) throw Denied(failure, target, "install");

        var notes = new List<string>();
        var daemon = Path.Combine(target.Bin, "pbm-daemon");
        if (recorded.GetValueOrDefault("bin/pbm-daemon") is { } previous && previous != record["bin/pbm-daemon"])
            foreach (var (pid, _) in InstallFiles.Running([daemon]))
                notes.Add($"pid {pid} still runs the previous pbm-daemon; to move its apps to the new one: pbm save && pbm kill && pbm resurrect");
        if (!target.BinOnPath())
            notes.Add($"{target.Bin} is not on PATH: add it, e.g. echo 'export PATH=\"{target.Bin}:$PATH\"' >> ~/.bashrc, then open a new shell");
        else if (target.ShadowingPbm() is { } other)
            notes.Add($"{other} comes first on PATH: `pbm` runs that one, not {Path.Combine(target.Bin, "pbm")}");

        if (c.Json)
        {
            WriteJson(w =>
            {
                w.WriteString("prefix", target.Prefix);
                w.WriteString("bin", target.Bin);
                w.WriteString("manifest", target.Manifest);
                w.WriteStartArray("installed");
                foreach (var (name, hash) in written)
                {
                    w.WriteStartObject();
                    w.WriteString("path", Path.Combine(target.Bin, name));
                    w.WriteString("sha256", hash);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteBoolean("onPath", target.BinOnPath());
                WriteStrings(w, "notes", notes);
            });
            return 0;
        }
        foreach (var (name, _) in written)
            Console.Out.WriteLine(name == InstallFiles.Lighthouse
                ? $"installed {Path.Combine(target.Bin, name)} (runs pbm-daemon --lighthouse)"
                : $"installed {Path.Combine(target.Bin, name)} (from {Path.Combine(source, name)})");
        Console.Out.WriteLine($"recorded  {target.Manifest} (what pbm uninstall{PrefixArgument(c)} removes)");
        foreach (var note in notes) Console.Out.WriteLine($"note: {note}");
        return 0;
    }

    public static int Uninstall(Context c)
    {
        NoPositionals(c);
        var target = InstallFiles.For(c.Args.Value("prefix"));
        var recorded = target.ReadManifest();
        if (recorded.Count == 0)
            throw new PbmException($"pbm is not installed in {target.Prefix}: no {target.Manifest} (pbm install writes it; give the --prefix it was installed with)");

        var present = new List<string>();
        foreach (var (relative, hash) in recorded)
        {
            var path = Path.Combine(target.Prefix, relative);
            if (!File.Exists(path)) continue;
            if (new FileInfo(path).LinkTarget is not null || InstallFiles.HashOf(path) != hash)
                throw new PbmException($"{path} changed since pbm install wrote it (it may not be pbm's any more): nothing removed; remove what you no longer want by hand");
            present.Add(path);
        }
        var daemon = Path.Combine(target.Bin, "pbm-daemon");
        var running = present.Contains(daemon) ? InstallFiles.Running([daemon]) : [];
        if (running.Count > 0)
            throw new PbmException($"{string.Join(", ", running.Select(r => $"pid {r.Pid}"))} still run{(running.Count == 1 ? "s" : "")} {daemon}: stop {(running.Count == 1 ? "it" : "them")} first (pbm kill), then uninstall");

        try
        {
            foreach (var path in present) File.Delete(path);
            File.Delete(target.Manifest);
            var share = Path.GetDirectoryName(target.Manifest)!;
            if (Directory.Exists(share) && !Directory.EnumerateFileSystemEntries(share).Any()) Directory.Delete(share);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw Denied(e, target, "uninstall");
        }

        if (c.Json)
        {
            WriteJson(w =>
            {
                w.WriteString("prefix", target.Prefix);
                WriteStrings(w, "removed", present.Append(target.Manifest));
            });
            return 0;
        }
        foreach (var path in present) Console.Out.WriteLine($"removed {path}");
        Console.Out.WriteLine($"removed {target.Manifest}");
        return 0;
    }

    private static PbmException Denied(Exception e, InstallFiles target, string verb) =>
        e is UnauthorizedAccessException
            ? new PbmException($"cannot write in {target.Prefix}: permission denied (as root: sudo {Environment.ProcessPath} {verb} --prefix {target.Prefix})")
            : new PbmException($"pbm {verb} failed in {target.Prefix}: {e.Message}");

    private static string PrefixArgument(Context c) => c.Args.Value("prefix") is { } p ? $" --prefix {p}" : "";

    private static void WriteJson(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void NoPositionals(Context c)
    {
        if (c.Args.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{c.Args.Positionals[0]}' for pbm {c.Args.Command}: it {c.Args.Command}s pbm itself, " +
                                     "into --prefix DIR (pbm has no PM2 modules)");
    }
}
