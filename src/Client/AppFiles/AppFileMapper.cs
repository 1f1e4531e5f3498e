using System.Globalization;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Maps one app's keys to CLI options. pbm's own keys are the option names (kebab-case); PM2's snake_case keys
/// map to the same names (kill_timeout → kill-timeout) or through <see cref="Aliases"/>. A key that maps to no
/// option of this CLI gets one warning and is ignored, never silently dropped.
/// </summary>
internal sealed class AppFileMapper(string file, bool evaluated, string? envName, IReadOnlyDictionary<string, bool> options, List<string> warnings)
{
    /// <summary>PM2 keys whose pbm option has another name.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["max-memory-restart"] = "max-memory",
        ["cron"] = "cron-restart",
        ["watch-ignore"] = "ignore-watch",
        ["ready-check"] = "ready",
    };

    /// <summary>Why a known PM2 key has no pbm equivalent, for its warning.</summary>
    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["out-file"] = "pbm writes output to PBM_HOME/logs (pbm logs shows it)",
        ["error-file"] = "pbm writes output to PBM_HOME/logs (pbm logs shows it)",
        ["log-file"] = "pbm writes output to PBM_HOME/logs (pbm logs shows it)",
        ["merge-logs"] = "pbm keeps one log per instance",
        ["log-date-format"] = "pbm's log lines carry ISO 8601 times",
        ["interpreter-args"] = "put interpreter arguments in script/args or use a wrapper script",
        ["node-args"] = "put node arguments in script/args or use a wrapper script",
        ["exp-backoff-restart-delay"] = "pbm always backs off unstable restarts (pbm.restart.backoff-min/max)",
        ["deploy"] = "use pbm deploy <app> --path DIR",
    };

    public bool EnvNameSeen { get; private set; }

    public AppFileEntry Map(ConfNode app, string? keyName, int index)
    {
        var where = evaluated ? $"{file} (apps[{index}])" : $"{file}:{app.Line}";
        var opts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var args = new List<string>();
        var env = new List<string>();
        var named = new List<string>();
        string? script = null;
        if (keyName is not null) opts["name"] = [keyName];

        foreach (var (rawKey, value) in app.Fields)
        {
            var key = rawKey.Replace('_', '-');
            if (key.StartsWith("env-", StringComparison.Ordinal) && key.Length > 4)
            {
                var name = rawKey[4..];
                if (name != envName) continue;
                EnvNameSeen = true;
                named.AddRange(Vars(value, rawKey));
                continue;
            }
            switch (key)
            {
                case "script":
                    script = Text(value, rawKey);
                    continue;
                case "args":
                    args.AddRange(value.Kind == ConfKind.Array ? value.Items.Select(i => Text(i, rawKey)) : SplitArgs(Text(value, rawKey)));
                    continue;
                case "env":
                    env.AddRange(Vars(value, rawKey));
                    continue;
                case "exec-mode":
                    // Every pbm instance is its own process; "cluster" (one port shared by N node processes) is what
                    // port does through the gateway, so both modes mean the same here.
                    if (Text(value, rawKey) is not ("fork" or "cluster" or "fork_mode" or "cluster_mode"))
                        throw Error(value, $"{rawKey}: expected fork or cluster");
                    continue;
                case "wait-ready":
                    if (Bool(value, rawKey) == true) opts["ready"] = ["message"];
                    continue;
                case "instances":
                    opts["instances"] = [Instances(value, rawKey)];
                    continue;
                case "autorestart":
                    if (Bool(value, rawKey) == false) opts["no-autorestart"] = ["true"];
                    continue;
                case "time" when options.ContainsKey("no-time"):
                    if (Bool(value, rawKey) == false) opts["no-time"] = ["true"];
                    continue;
                case "watch":
                    if (value.Kind == ConfKind.Boolean)
                    {
                        if (value.Text == "true") opts["watch"] = ["true"];
                        continue;
                    }
                    opts["watch"] = [string.Join(',', List(value, rawKey))];
                    continue;
            }
            var option = Aliases.GetValueOrDefault(key, key);
            if (option is "name" && value.Kind == ConfKind.String && keyName is not null && value.Text != keyName)
                throw Error(value, $"name '{value.Text}' differs from the app's key '{keyName}'");
            if (!options.TryGetValue(option, out var takesValue) || option is "env" or "help")
            {
                var why = Unsupported.TryGetValue(key, out var reason) ? reason : "not a pbm option";
                warnings.Add($"{(evaluated ? where : $"{file}:{value.Line}")}: {rawKey} is not supported ({why}); ignored");
                continue;
            }
            if (!takesValue)
            {
                if (Bool(value, rawKey) == true) opts[option] = ["true"];
                continue;
            }
            if (value.Kind == ConfKind.Null) continue;
            opts[option] = value.Kind == ConfKind.Array ? [string.Join(',', List(value, rawKey))] : [Text(value, rawKey)];
        }
        if (script is null) throw AppFileError.At(file, evaluated ? 0 : app.Line, $"{(evaluated ? $"apps[{index}]: " : "")}the app{(opts.TryGetValue("name", out var n) ? $" '{n[0]}'" : "")} has no script");
        env.AddRange(named);
        return new AppFileEntry(where, script, opts.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value), args, env);
    }

    private IEnumerable<string> Vars(ConfNode value, string key)
    {
        if (value.Kind == ConfKind.Null) yield break;
        if (value.Kind != ConfKind.Object) throw Error(value, $"{key} must be an object of variables, such as {{ NODE_ENV = production }}");
        foreach (var (name, v) in value.Fields)
        {
            if (name.Length == 0 || name.Contains('=')) throw Error(v, $"{key}: '{name}' is not a variable name");
            if (v.Kind is ConfKind.Object or ConfKind.Array) throw Error(v, $"{key}.{name} must be a string, number or boolean");
            yield return $"{name}={v.Text ?? ""}";
        }
    }

    private string Instances(ConfNode value, string key)
    {
        var text = Text(value, key);
        if (text.Equals("max", StringComparison.OrdinalIgnoreCase)) return "max";
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            throw Error(value, $"{key}: expected a number of instances or 'max', found '{text}'");
        // PM2: 0 means one per CPU, -1 one per CPU but one.
        return n switch
        {
            0 => "max",
            < 0 => Math.Max(1, Environment.ProcessorCount + n).ToString(CultureInfo.InvariantCulture),
            _ => text,
        };
    }

    private bool? Bool(ConfNode value, string key) => value.Kind switch
    {
        ConfKind.Boolean => value.Text == "true",
        ConfKind.Null => null,
        _ => throw Error(value, $"{key}: expected true or false, found '{value.Text ?? value.Kind.ToString().ToLowerInvariant()}'"),
    };

    private string Text(ConfNode value, string key) =>
        value.IsScalar ? value.Text! : throw Error(value, $"{key}: expected a value, found {(value.Kind == ConfKind.Null ? "null" : "an " + value.Kind.ToString().ToLowerInvariant())}");

    private List<string> List(ConfNode value, string key) =>
        value.Kind == ConfKind.Array ? value.Items.Select(i => Text(i, key)).ToList() : [Text(value, key)];

    private PbmException Error(ConfNode at, string problem) =>
        evaluated ? new PbmException($"{file}: {problem}") : AppFileError.At(file, at.Line, problem);

    /// <summary>Splits an args string as a shell would for plain words and quotes (no expansion).</summary>
    internal static List<string> SplitArgs(string text)
    {
        var result = new List<string>();
        var current = new System.Text.StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else current.Append(c);
                continue;
            }
            if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) result.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord) result.Add(current.ToString());
        return result;
    }
}
