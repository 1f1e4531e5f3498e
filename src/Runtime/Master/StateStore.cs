using System.Text.Json;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;
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

    /// <summary>
    /// Loads the state; <paramref name="warning"/> says what was wrong when the file was unreadable (it is then moved
    /// aside) or held apps that fail validation (those are left out, and a copy of the file as it was is kept aside).
    /// </summary>
    public StateSnapshot Load(out string? warning)
    {
        warning = null;
        if (!File.Exists(Path)) return StateSnapshot.Empty;
        var aside = $"{Path}.corrupt-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssZ}";
        StateSnapshot snapshot;
        try
        {
            snapshot = Read(Path);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            File.Move(Path, aside);
            warning = $"state file {Path} is corrupt ({e.Message.Split('\n')[0]}); kept aside as {aside}; starting with no apps";
            return StateSnapshot.Empty;
        }
        if (snapshot.Problems.Count == 0) return snapshot;
        // The next change rewrites the file without what was left out: keep the original for the user to mend.
        File.Copy(Path, aside, overwrite: true);
        warning = $"state file {Path} is corrupt: {string.Join("; ", snapshot.Problems)}; the file as it was is kept as {aside}";
        return snapshot;
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

    /// <summary>Larger state files and dumps are refused rather than read whole (a dump named /dev/zero would never end).</summary>
    public const int MaxFileBytes = 64 << 20;

    public static StateSnapshot Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        using var bytes = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = file.Read(buffer)) > 0)
        {
            if (bytes.Length + n > MaxFileBytes) throw new InvalidDataException($"larger than {MaxFileBytes >> 20} MB");
            bytes.Write(buffer, 0, n);
        }
        return Parse(bytes.ToArray());
    }

    public static void Write(string path, IEnumerable<AppRecord> apps) =>
        AtomicFile.WriteAllBytes(path, Serialize(new StateSnapshot(0, apps.ToList())));

    public static StateSnapshot Parse(byte[] bytes)
    {
        var file = JsonSerializer.Deserialize(bytes, StateJsonContext.Default.StateFile)
                   ?? throw new InvalidDataException("empty document");
        if (file.Format != 1) throw new InvalidDataException($"unknown format {file.Format}");
        if (file.Apps is null) throw new InvalidDataException("no 'apps' list");
        var problems = new List<string>();
        var apps = new List<AppRecord>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < file.Apps.Count; i++)
        {
            if (Validated(file.Apps[i], i, problems) is not { } app) continue;
            if (names.Add(app.Spec.Name)) apps.Add(app);
            else problems.Add($"app '{app.Spec.Name}' is listed twice: the first is kept");
        }
        return new StateSnapshot(file.Revision, apps) { Problems = problems };
    }

    /// <summary>
    /// The entry with its specs checked and their defaults filled in (<see cref="SpecValidator"/>), or null (and a
    /// problem) when its spec fails: an app named ../x would write logs and pid files outside PBM_HOME, one without a
    /// restart policy would throw in its supervisor. A previous version that fails only loses the rollback.
    /// </summary>
    private static AppRecord? Validated(StateFile.Entry? entry, int index, List<string> problems)
    {
        var errors = SpecValidator.Check(entry?.Spec, out var spec);
        if (errors.Count > 0 || spec is null)
        {
            var name = entry?.Spec?.Name is { } n ? $"'{SpecValidator.Show(n)}'" : "without a name";
            problems.Add($"app #{index + 1} {name} left out: {string.Join(", ", errors)}");
            return null;
        }
        AppSpec? previous = null;
        if (entry!.Previous is not null)
        {
            var previousErrors = SpecValidator.Check(entry.Previous with { Name = spec.Name }, out previous);
            if (previousErrors.Count > 0)
            {
                problems.Add($"the previous version of '{spec.Name}' is left out (no rollback): {string.Join(", ", previousErrors)}");
                previous = null;
            }
        }
        return new AppRecord(spec, entry.Running, previous, entry.Placement);
    }

    public static byte[] Serialize(StateSnapshot snapshot)
    {
        var file = new StateFile(1, DateTimeOffset.UtcNow,
            snapshot.Apps.Select(a => new StateFile.Entry(a.Spec, a.Running, a.Previous, a.Placement?.ToDictionary())).ToList(), snapshot.Revision);
        return JsonSerializer.SerializeToUtf8Bytes(file, StateJsonContext.Default.StateFile);
    }
}
