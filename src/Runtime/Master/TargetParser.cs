namespace Pbm.Runtime.Master;

/// <summary>A command's target: "all", an app name, or an instance id "app:N".</summary>
internal readonly record struct Target(bool All, string? App, int? Index)
{
    public static bool TryParse(string text, out Target target, out string? error)
    {
        error = null;
        target = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "missing target: give an app name, an instance id (app:N) or 'all'";
            return false;
        }
        if (text == "all")
        {
            target = new Target(true, null, null);
            return true;
        }
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            target = new Target(false, text, null);
            return true;
        }
        if (!int.TryParse(text[(colon + 1)..], out var index) || index < 0)
        {
            error = $"invalid instance id '{text}': expected app:N";
            return false;
        }
        target = new Target(false, text[..colon], index);
        return true;
    }
}
