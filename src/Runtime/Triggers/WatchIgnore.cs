using System.Text.RegularExpressions;

namespace Pbm.Runtime.Triggers;

/// <summary>
/// What a watch ignores. A plain name (node_modules) matches any path segment; a glob without '/' (*.log)
/// matches any segment; a glob with '/' (dist/**) matches the path relative to the watched folder; an absolute
/// path matches itself and everything under it.
/// </summary>
internal sealed class WatchIgnore
{
    private readonly List<string> _names = [];
    private readonly List<Regex> _segmentGlobs = [];
    private readonly List<Regex> _pathGlobs = [];
    private readonly List<string> _absolute = [];

    public WatchIgnore(IEnumerable<string> patterns)
    {
        foreach (var raw in patterns)
        {
            var p = raw.Trim().TrimEnd('/');
            if (p.Length == 0) continue;
            if (p.StartsWith('/')) _absolute.Add(p);
            else if (p.Contains('/'))
            {
                _pathGlobs.Add(Glob(p));
                if (p.EndsWith("/**", StringComparison.Ordinal)) _pathGlobs.Add(Glob(p[..^3]));
            }
            else if (p.IndexOfAny(['*', '?', '[']) >= 0) _segmentGlobs.Add(Glob(p));
            else _names.Add(p);
        }
    }

    /// <summary>True when <paramref name="path"/> (absolute) is ignored, relative to the watched <paramref name="root"/>.</summary>
    public bool IsIgnored(string root, string path)
    {
        foreach (var a in _absolute)
        {
            if (path == a || path.StartsWith(a + "/", StringComparison.Ordinal)) return true;
            // The temp file an atomic write of a (a pid file) goes through: DIR/.NAME.*.
            if (path.StartsWith(Path.Combine(Path.GetDirectoryName(a) ?? "/", "." + Path.GetFileName(a) + "."), StringComparison.Ordinal)) return true;
        }
        var relative = path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal) ? path[(root.TrimEnd('/').Length + 1)..] : Path.GetFileName(path);
        var segments = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var s in segments)
        {
            if (_names.Contains(s)) return true;
            foreach (var g in _segmentGlobs)
                if (g.IsMatch(s)) return true;
        }
        foreach (var g in _pathGlobs)
        {
            if (g.IsMatch(relative)) return true;
            // "dist/**" ignores "dist" itself too; "build" prefixes its subtree.
            for (var i = 1; i < segments.Length; i++)
                if (g.IsMatch(string.Join('/', segments[..i]))) return true;
        }
        return false;
    }

    private static Regex Glob(string glob)
    {
        var sb = new System.Text.StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                sb.Append(".*");
                i++;
                if (i + 1 < glob.Length && glob[i + 1] == '/') i++;
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
