using Pbm.Client.Contracts;

namespace Pbm.Client.Specs;

/// <summary>The spec of an app's new version: the same app run from another directory (pbm deploy --path, the console's deploy).</summary>
public static class DeploySpec
{
    /// <summary>Paths under the old cwd (script, command, args) move to <paramref name="dir"/>; everything else is kept.</summary>
    public static AppSpec Rebase(AppSpec current, string dir)
    {
        var oldRoot = current.Cwd.TrimEnd('/') + "/";
        string Move(string p) => p.StartsWith(oldRoot, StringComparison.Ordinal) ? Path.Combine(dir, Path.GetRelativePath(current.Cwd, p)) : p;
        return current with { Cwd = dir, Script = Move(current.Script), Args = current.Args.Select(Move).ToList(), Command = Move(current.Command) };
    }
}
