using System.Globalization;

namespace Pbm.Client.Specs;

/// <summary>Sizes as people write them: "300M", "10MB", "512K", "1G", or bare bytes (powers of 1024).</summary>
public static class ByteSize
{
    /// <summary>The size in bytes, or null when <paramref name="text"/> is not a size.</summary>
    public static long? Parse(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        if (t.EndsWith('B')) t = t[..^1];
        long factor = 1;
        if (t.Length > 0 && t[^1] is 'K' or 'M' or 'G')
        {
            factor = t[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0 || double.IsNaN(v)) return null;
        var bytes = v * factor;
        return bytes > long.MaxValue / 2 ? null : (long)bytes;
    }

    /// <summary>A size for people: 512 B, 12.3 KB, 45.6 MB, 1.2 GB.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double v = bytes;
        var u = 0;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }
        return u == 0 ? $"{bytes} B" : v.ToString(v < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
