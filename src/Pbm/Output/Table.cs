using System.Text;

namespace Pbm.Cli.Output;

/// <summary>A plain aligned table; cells may carry ANSI colour, which does not count towards width.</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public string Render()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => Term.VisibleLength(r[i])))).ToArray();
        var sb = new StringBuilder();
        Line(sb, headers.Select(Term.Dim).ToArray(), widths);
        foreach (var row in _rows) Line(sb, row, widths);
        return sb.ToString();
    }

    private static void Line(StringBuilder sb, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            sb.Append(cells[i]);
            if (i < cells.Length - 1) sb.Append(' ', widths[i] - Term.VisibleLength(cells[i]) + 2);
        }
        sb.Append('\n');
    }
}
