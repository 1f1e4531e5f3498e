using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Logs;

/// <summary>
/// The node's log bus and log registry. Every <see cref="InstanceLog"/> publishes its lines here (only while someone
/// follows), registers itself so pbm flush can empty its files, and keeps its drop count here across restarts.
/// Thread-safe: pipe readers publish, the control API subscribes.
/// </summary>
internal sealed class LogHub(string logDir, int followBuffer = 10000)
{
    private readonly ConcurrentDictionary<(string App, int Index), LogStats> _stats = new();
    private readonly ConcurrentDictionary<InstanceLog, byte> _live = new();
    private readonly ConcurrentDictionary<(string App, int Index), (string Out, string Err)> _paths = new();
    private readonly Dictionary<string, (RotatingFile File, int Users)> _files = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private volatile LogSubscription[] _subscriptions = [];

    public string LogDir { get; } = logDir;

    public bool HasFollowers => _subscriptions.Length > 0;

    public LogStats Stats(string app, int index) => _stats.GetOrAdd((app, index), _ => new LogStats());

    public LogStats? PeekStats(string app, int index) => _stats.TryGetValue((app, index), out var s) ? s : null;

    /// <summary>Where the instance's stdout is written: its app's out_file when it has one, else APP-N-out.log.</summary>
    public string OutPath(string app, int index) => _paths.TryGetValue((app, index), out var p) ? p.Out : DefaultOutPath(app, index);

    public string ErrPath(string app, int index) => _paths.TryGetValue((app, index), out var p) ? p.Err : DefaultErrPath(app, index);

    public string DefaultOutPath(string app, int index) => Path.Combine(LogDir, $"{app}-{index}-out.log");

    public string DefaultErrPath(string app, int index) => Path.Combine(LogDir, $"{app}-{index}-err.log");

    /// <summary>Records where an instance writes (so pbm logs reads those files after it stopped, until it starts elsewhere).</summary>
    public void SetPaths(string app, int index, string outPath, string errPath) => _paths[(app, index)] = (outPath, errPath);

    /// <summary>
    /// The writer of <paramref name="path"/>, shared by every instance that writes there (PM2's merge_logs, or one
    /// log_file for all): one lock, one buffer, whole lines, and rotation that every sharer follows. The first
    /// opener's rotation settings hold. Give it back with <see cref="Release"/>.
    /// </summary>
    public RotatingFile Acquire(string path, long maxBytes, int maxFiles)
    {
        lock (_files)
        {
            var (file, users) = _files.TryGetValue(path, out var f) ? f : (new RotatingFile(path, maxBytes, maxFiles), 0);
            _files[path] = (file, users + 1);
            return file;
        }
    }

    /// <summary>Returns true when this was the last user (the caller then disposes the file after its last write).</summary>
    public bool Release(RotatingFile file)
    {
        lock (_files)
        {
            if (!_files.TryGetValue(file.Path, out var f) || f.File != file) return true;
            if (f.Users > 1)
            {
                _files[file.Path] = (file, f.Users - 1);
                return false;
            }
            _files.Remove(file.Path);
            return true;
        }
    }

    public void Register(InstanceLog log) => _live[log] = 0;

    public void Unregister(InstanceLog log) => _live.TryRemove(log, out _);

    public void Publish(LogEntry entry)
    {
        foreach (var s in _subscriptions)
            if (s.Wants(entry.App, entry.Index, entry.Stream)) s.Offer(entry);
    }

    public LogSubscription Subscribe(string? app, int? index, string? stream)
    {
        var s = new LogSubscription(this, app, index, stream, followBuffer);
        lock (_gate) _subscriptions = [.. _subscriptions, s];
        return s;
    }

    internal void Unsubscribe(LogSubscription s)
    {
        lock (_gate) _subscriptions = _subscriptions.Where(x => x != s).ToArray();
    }

    /// <summary>Empties the log files of <paramref name="app"/> (every app when null; one instance when <paramref name="index"/> is set); returns the files emptied.</summary>
    public int Flush(string? app, int? index)
    {
        var count = 0;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var log in _live.Keys)
        {
            if ((app is null || log.App == app) && (index is null || log.Index == index))
            {
                count += log.Truncate();
                live.Add(Path.GetFileName(DefaultOutPath(log.App, log.Index)));
                live.Add(Path.GetFileName(DefaultErrPath(log.App, log.Index)));
            }
        }
        if (!Directory.Exists(LogDir)) return 0;
        var pattern = new Regex(app is null
            ? @"^(.+)-(\d+)-(out|err)\.log(\.\d+)?$"
            : "^" + Regex.Escape(app) + @"-(\d+)-(out|err)\.log(\.\d+)?$");
        foreach (var file in Directory.EnumerateFiles(LogDir))
        {
            var m = pattern.Match(Path.GetFileName(file));
            if (!m.Success) continue;
            // A live instance's files were emptied by its writer, which owns them.
            var current = m.Groups[^1].Success ? Path.GetFileNameWithoutExtension(file) : Path.GetFileName(file);
            if (live.Contains(current)) continue;
            if (index is not null && app is not null && m.Groups[1].Value != index.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
            try
            {
                if (m.Groups[^1].Success) File.Delete(file);
                else
                {
                    using var _ = new FileStream(file, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                }
                count++;
            }
            catch (IOException)
            {
            }
        }
        return count;
    }
}
