namespace Pbm.Client.Contracts;

/// <summary>The formats of captured log files.</summary>
public static class LogFormats
{
    public const string Text = "text";
    public const string Json = "json";
}
