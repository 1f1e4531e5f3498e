namespace Pbm.Runtime.Triggers;

/// <summary>
/// Watches files and folders for changes. A folder gets one non-recursive watcher on itself and one recursive
/// watcher per subfolder that is not ignored: inotify then never walks node_modules (a recursive watcher on
/// the root would add a watch for each of its thousands of folders and can exhaust fs.inotify.max_user_watches).
/// Subfolders created later at the top get their own watcher. A folder with more than 16 subfolders gets a
/// single recursive watcher instead, since each watcher is an inotify instance (fs.inotify.max_user_instances is
/// often 128 per user). Ignored paths never reach <c>changed</c> either way.
/// </summary>
internal sealed class FileWatch : IDisposable
{
    /// <summary>Above this many subfolders, a folder gets one recursive watcher instead (each watcher is an inotify instance).</summary>
    private const int MaxSubfolderWatchers = 16;

    private readonly WatchIgnore _ignore;
    private readonly Action<string> _changed;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly object _gate = new();
    private bool _disposed;

    public FileWatch(IEnumerable<string> paths, WatchIgnore ignore, Action<string> changed)
    {
        _ignore = ignore;
        _changed = changed;
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var subs = Directory.EnumerateDirectories(path).Where(sub => !ignore.IsIgnored(path, sub)).Take(MaxSubfolderWatchers + 1).ToList();
                if (subs.Count > MaxSubfolderWatchers)
                {
                    // Many folders: one recursive watcher (one inotify instance; max_user_instances is often 128).
                    Add(path, path, recursive: true, filter: null);
                    continue;
                }
                Add(path, path, recursive: false, filter: null);
                foreach (var sub in subs) Add(path, sub, recursive: true, filter: null);
            }
            else if (File.Exists(path))
            {
                Add(Path.GetDirectoryName(path)!, Path.GetDirectoryName(path)!, recursive: false, filter: Path.GetFileName(path));
            }
        }
    }

    public int Watchers
    {
        get
        {
            lock (_gate) return _watchers.Count;
        }
    }

    private void Add(string root, string dir, bool recursive, string? filter)
    {
        var w = new FileSystemWatcher(dir)
        {
            IncludeSubdirectories = recursive,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        if (filter is not null) w.Filter = filter;
        FileSystemEventHandler on = (_, e) => OnEvent(root, e.FullPath, recursive, e.ChangeType);
        w.Changed += on;
        w.Created += on;
        w.Deleted += on;
        w.Renamed += (_, e) =>
        {
            OnEvent(root, e.OldFullPath, recursive, WatcherChangeTypes.Deleted);
            OnEvent(root, e.FullPath, recursive, WatcherChangeTypes.Created);
        };
        // Overflowed buffer: changes were lost, so assume something changed.
        w.Error += (_, _) => _changed(dir);
        lock (_gate)
        {
            if (_disposed)
            {
                w.Dispose();
                return;
            }
            _watchers.Add(w);
        }
        w.EnableRaisingEvents = true;
    }

    private void OnEvent(string root, string path, bool recursive, WatcherChangeTypes type)
    {
        if (_ignore.IsIgnored(root, path)) return;
        if (!recursive && type == WatcherChangeTypes.Created && Directory.Exists(path) && Path.GetDirectoryName(path) == root.TrimEnd('/'))
        {
            try
            {
                Add(root, path, recursive: true, filter: null);
            }
            catch (Exception e) when (e is IOException or ArgumentException)
            {
                // Gone again already: nothing to watch.
            }
        }
        _changed(path);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var w in _watchers) w.Dispose();
            _watchers.Clear();
        }
    }
}
