using System.Text.Json;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Master;

/// <summary>
/// Desired state on local disk. Each change rewrites the whole file atomically (temp file, fsync, rename), so
/// a crash leaves the previous or the new state, never a torn one. A file that cannot be parsed is moved
/// aside (apps.json.corrupt-TIMESTAMP) and reported, never silently replaced.
/// </summary>
internal sealed class StateStore(string path)
{
    public string Path { get; } = path;

    /// <summary>Loads the state; <paramref name="warning"/> says what was wrong when the file was unreadable.</summary>
    public StateSnapshot Load(out string? warning)
    {
        warning = null;
        if (!File.Exists(Path)) return StateSnapshot.Empty;
        try
        {
            return Parse(File.ReadAllBytes(Path));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            var aside = $"{Path}.corrupt-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}";
            File.Move(Path, aside);
            warning = $"state file {Path} is corrupt ({e.Message.Split('\n')[0]}); kept aside as {aside}; starting with no apps";
            return StateSnapshot.Empty;
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> Written = new();

    /// <summary>
    /// Writes the snapshot unless a newer revision was already written to this file by this process (the master
    /// and the state replica on its node both write it; the file must never go back to an older revision).
    /// </summary>
    public void Save(StateSnapshot snapshot)
    {
        lock (Written)
        {
            if (snapshot.Revision > 0 && Written.TryGetValue(Path, out var last) && last > snapshot.Revision) return;
            AtomicFile.WriteAllBytes(Path, Serialize(snapshot));
            Written[Path] = snapshot.Revision;
        }
    }

    public static StateSnapshot Read(string path) => Parse(File.ReadAllBytes(path));

    public static void Write(string path, IEnumerable<AppRecord> apps) =>
        AtomicFile.WriteAllBytes(path, Serialize(new StateSnapshot(0, apps.ToList())));

    public static StateSnapshot Parse(byte[] bytes)
    {
        var file = JsonSerializer.Deserialize(bytes, StateJsonContext.Default.StateFile)
                   ?? throw new InvalidDataException("empty document");
        if (file.Format != 1) throw new InvalidDataException($"unknown format {file.Format}");
        if (file.Apps is null) throw new InvalidDataException("no 'apps' list");
        foreach (var e in file.Apps)
            if (e?.Spec?.Name is null || e.Spec.Command is null) throw new InvalidDataException("an app without name or command");
        return new StateSnapshot(file.Revision, file.Apps.Select(e => new AppRecord(e.Spec, e.Running, e.Previous, e.Placement)).ToList());
    }

    public static byte[] Serialize(StateSnapshot snapshot)
    {
        var file = new StateFile(1, DateTimeOffset.UtcNow,
            snapshot.Apps.Select(a => new StateFile.Entry(a.Spec, a.Running, a.Previous, a.Placement?.ToDictionary())).ToList(), snapshot.Revision);
        return JsonSerializer.SerializeToUtf8Bytes(file, StateJsonContext.Default.StateFile);
    }
}
