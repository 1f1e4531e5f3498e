using Pbm.Client;
using Pbm.Client.Contracts;

namespace Pbm.Cli.Commands;

/// <summary>
/// PM2's numeric ids on the command line: `pbm restart 3`, `pbm logs 0`, `pbm sendSignal SIGUSR2 2` name the
/// instance whose pm_id (the # column of pbm list) it is, as in PM2. A number that is no instance's id but is an
/// app's name stays that name.
/// </summary>
internal static class Targets
{
    /// <summary>Which positional argument of each command is its target.</summary>
    private static readonly Dictionary<string, int> Position = new(StringComparer.Ordinal)
    {
        ["show"] = 0, ["describe"] = 0, ["stop"] = 0, ["restart"] = 0, ["delete"] = 0, ["del"] = 0, ["reload"] = 0,
        ["disconnect"] = 0, ["logs"] = 0, ["flush"] = 0, ["env"] = 0, ["pid"] = 0, ["reset"] = 0, ["scale"] = 0,
        ["sendSignal"] = 1, ["start"] = 0,
    };

    public static async Task ResolveAsync(Context c)
    {
        if (c.Args.Command is not { } command || !Position.TryGetValue(command, out var at) || c.Args.Positionals.Count <= at) return;
        var text = c.Args.Positionals[at];
        if (text.Length is 0 or > 9 || !text.All(char.IsAsciiDigit)) return;
        // A file of that name in the folder is a script to start (pbm start 1 is rare, but a file named 1 would win in PM2 too).
        if (command == "start" && File.Exists(text)) return;
        var list = await c.CallAsync(cl => cl.ListAsync());
        var id = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var hit = list.Apps.SelectMany(a => a.Instances.Select(i => (App: a, Instance: i))).FirstOrDefault(x => x.Instance.PmId == id);
        if (hit.Instance is null)
        {
            if (list.Apps.Any(a => a.Spec.Name == text)) return;
            throw new PbmException($"no instance has id {id} (the # column of pbm list)");
        }
        c.Args.Positionals[at] = command switch
        {
            // An id names an instance; scale and start act on apps.
            "scale" or "start" => hit.App.Spec.Name,
            "delete" or "del" when hit.App.Instances.Count == 1 => hit.App.Spec.Name,
            "delete" or "del" => throw new PbmException(
                $"{id} is {hit.Instance.Id}, one of {hit.App.Instances.Count} instances of {hit.App.Spec.Name}: pbm delete {hit.App.Spec.Name} deletes the app, pbm scale {hit.App.Spec.Name} -1 removes one instance"),
            _ => hit.Instance.Id,
        };
    }
}
