using System.Globalization;
using System.Text;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Output;

/// <summary>One frame of pbm monit as ANSI text: host line, instance table with a selection, log pane.</summary>
internal sealed class MonitView
{
    private List<InstanceInfo> _instances = [];
    private IReadOnlyList<HostStats> _hosts = [];
    private int _selected;
    private string? _selectedId;

    public List<LogEntry> Logs { get; set; } = [];

    public string? SelectedApp => _instances.Count == 0 ? null : _instances[Math.Clamp(_selected, 0, _instances.Count - 1)].App;

    public void Update(ListResult list)
    {
        _instances = list.Apps.SelectMany(a => a.Instances).OrderBy(i => i.App, StringComparer.Ordinal).ThenBy(i => i.Index).ToList();
        _hosts = list.Hosts;
        // Keep the same instance selected when others come and go.
        var again = _selectedId is null ? -1 : _instances.FindIndex(i => i.Id == _selectedId);
        _selected = again >= 0 ? again : Math.Clamp(_selected, 0, Math.Max(0, _instances.Count - 1));
        _selectedId = _instances.Count > 0 ? _instances[_selected].Id : null;
    }

    public void Move(int delta)
    {
        if (_instances.Count == 0) return;
        _selected = Math.Clamp(_selected + delta, 0, _instances.Count - 1);
        _selectedId = _instances[_selected].Id;
    }

    public string Render(int width, int height, string? error)
    {
        var rows = new List<string>();
        var title = "\u001b[1mpbm monit\u001b[0m";
        // One host: on the title line. A cluster: one line per host (as many as fit in a fifth of the screen).
        var cluster = _hosts.Count > 1 || _instances.Select(i => i.Host).Distinct().Count() > 1;
        rows.Add(title + "  " + (_hosts.Count == 1 ? Views.Host(_hosts[0]) : _hosts.Count > 1 ? $"{_hosts.Count} hosts" : ""));
        if (_hosts.Count > 1)
        {
            var hostRows = Math.Max(1, height / 5);
            var shown = _hosts.Count <= hostRows ? _hosts.Count : hostRows - 1;
            foreach (var h in _hosts.Take(shown)) rows.Add("  " + Views.Host(h));
            if (shown < _hosts.Count) rows.Add($"  \u001b[2m+{_hosts.Count - shown} more hosts (pbm hosts)\u001b[0m");
        }
        rows.Add("\u001b[2mup/down select  q quit\u001b[0m" + (error is null ? "" : "  \u001b[31m" + error + "\u001b[0m"));
        rows.Add("");
        var now = DateTimeOffset.UtcNow;
        var table = cluster
            ? new Table("", "ID", "HOST", "STATUS", "CPU", "MEM", "RESTARTS", "UPTIME", "PID")
            : new Table("", "ID", "STATUS", "CPU", "MEM", "RESTARTS", "UPTIME", "PID");
        for (var n = 0; n < _instances.Count; n++)
        {
            var i = _instances[n];
            string[] cells = [n == _selected ? "\u001b[7m>\u001b[0m" : " ", n == _selected ? "\u001b[1m" + i.Id + "\u001b[0m" : i.Id, StatusColour(i.Status),
                Views.Cpu(i.Cpu), Views.Mem(i.Memory), i.Restarts.ToString(CultureInfo.InvariantCulture),
                i.StartedAt is { } s ? Duration(now - s) : "-", i.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-"];
            table.Add(cluster ? [cells[0], cells[1], i.Host, .. cells[2..]] : cells);
        }
        var tableRows = _instances.Count == 0 ? ["no apps (pbm start <script> starts one)"] : table.Render().TrimEnd('\n').Split('\n');
        var maxTable = Math.Max(3, height / 2);
        rows.AddRange(tableRows.Take(maxTable));
        rows.Add("");
        var app = SelectedApp;
        rows.Add("\u001b[2m--- logs of " + (app ?? "-") + " " + new string('-', Math.Max(0, width - 14 - (app?.Length ?? 1))) + "\u001b[0m");
        var room = height - rows.Count;
        foreach (var e in Logs.Skip(Math.Max(0, Logs.Count - room))) rows.Add(LogPrinter.Format(e, color: true, withDate: false));

        var sb = new StringBuilder("\u001b[H");
        foreach (var row in rows.Take(height))
            sb.Append(Clip(row, width)).Append("\u001b[0m\u001b[K\r\n");
        sb.Length -= 2;
        sb.Append("\u001b[J");
        return sb.ToString();
    }

    private static string StatusColour(string status) => status switch
    {
        InstanceStatus.Online => "\u001b[32m" + status + "\u001b[0m",
        InstanceStatus.Errored => "\u001b[31m" + status + "\u001b[0m",
        InstanceStatus.Stopped => "\u001b[2m" + status + "\u001b[0m",
        _ => "\u001b[33m" + status + "\u001b[0m",
    };

    private static string Duration(TimeSpan t) => Term.Duration(t);

    /// <summary>Cuts a line with ANSI codes to <paramref name="width"/> visible characters (tabs and controls become spaces).</summary>
    private static string Clip(string text, int width)
    {
        var sb = new StringBuilder();
        var visible = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch == '\u001b')
            {
                var end = text.IndexOf('m', i);
                if (end < 0) break;
                sb.Append(text, i, end - i + 1);
                i = end;
                continue;
            }
            if (visible >= width) continue;
            sb.Append(char.IsControl(ch) ? ' ' : ch);
            visible++;
        }
        return sb.ToString();
    }
}
