using System.Globalization;
using System.Text;
using Pbm.Client.Specs;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Maps one app's keys to CLI options. pbm's own keys are the option names (kebab-case); PM2's keys are read as
/// PM2 reads them: snake_case or camelCase (<c>max_restarts</c>, <c>maxRestarts</c>) and PM2's aliases (<c>cmd</c>,
/// <c>interpreter_args</c>, <c>out</c>, <c>pid</c>...) all name one option (see <see cref="Pm2Keys"/>). A key that maps
/// to no option of this CLI gets one warning per file and is ignored, never silently dropped.
/// </summary>
internal sealed class AppFileMapper(string file, bool evaluated, string? envName, IReadOnlyDictionary<string, bool> options)
{
    private readonly Dictionary<(string Key, string Why), List<string>> _ignored = [];

    public bool EnvNameSeen { get; private set; }

    /// <summary>True when an object is an app by itself (PM2 reads <c>script</c>, <c>cmd</c>, <c>command</c> or <c>exec</c>).</summary>
    public static bool HasScript(ConfNode app) =>
        app.Fields.Any(f => Pm2Keys.Canonical(f.Key) == "script");

    /// <summary>One line per ignored key, naming where it is (the first place) and how many apps have it.</summary>
    public IEnumerable<string> Warnings() => _ignored.Select(kv =>
        $"{kv.Value[0]}: {kv.Key.Key} is not supported ({kv.Key.Why}); ignored{(kv.Value.Count > 1 ? $" (in {kv.Value.Count} apps)" : "")}");

    public AppFileEntry Map(ConfNode app, string? keyName, int index)
    {
        var where = evaluated ? $"{file} (apps[{index}])" : $"{file}:{app.Line}";
        var opts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var args = new List<string>();
        var env = new List<string>();
        var named = new List<string>();
        string? script = null;
        string? command = null;
        if (keyName is not null) opts["name"] = [keyName];

        foreach (var (rawKey, value) in app.Fields)
        {
            if (value.Kind == ConfKind.Null) continue; // PM2: a null key is an unset key
            if (rawKey.StartsWith("env_", StringComparison.Ordinal) || rawKey.StartsWith("env-", StringComparison.Ordinal))
            {
                if (rawKey.Length == 4 || rawKey[4..] != envName) continue;
                EnvNameSeen = true;
                named.AddRange(Vars(value, rawKey));
                continue;
            }
            var key = Pm2Keys.Canonical(rawKey);
            switch (key)
            {
                case "script" when rawKey is "cmd" or "command":
                    command ??= Text(value, rawKey);
                    continue;
                case "script":
                    script = Text(value, rawKey);
                    continue;
                case "args":
                    args.AddRange(value.Kind == ConfKind.Array ? value.Items.Select(i => Text(i, rawKey)) : ShellWords.Split(Text(value, rawKey)));
                    continue;
                case "node-args":
                    // One value per argument, quoted back so that an element with a space stays one argument.
                    opts["node-args"] = [value.Kind == ConfKind.Array ? string.Join(' ', value.Items.Select(i => ShellWords.Quote(Text(i, rawKey)))) : Text(value, rawKey)];
                    continue;
                case "env":
                    env.AddRange(Vars(value, rawKey));
                    continue;
                case "exec-mode":
                    var mode = Text(value, rawKey);
                    if (mode is not ("fork" or "cluster" or "fork_mode" or "cluster_mode"))
                        throw Error(value, $"{rawKey}: expected fork or cluster, found '{mode}'");
                    opts["exec-mode"] = [mode.Replace("_mode", "", StringComparison.Ordinal)];
                    continue;
                case "execute-command":
                    if (Bool(value, rawKey) == true) opts["exec-mode"] = ["fork"];
                    continue;
                case "wait-ready":
                    if (Bool(value, rawKey) == true) opts["ready"] = [ReadyChecks.WaitReady];
                    continue;
                case "instances":
                    opts["instances"] = [Instances(value, rawKey)];
                    continue;
                case "autorestart":
                    if (Bool(value, rawKey) == false) opts["no-autorestart"] = ["true"];
                    continue;
                case "append-env-to-name":
                    if (Bool(value, rawKey) == true) opts["append-env-to-name"] = ["true"];
                    continue;
                case "autostart":
                    if (Bool(value, rawKey) == false) opts["no-autostart"] = ["true"];
                    continue;
                case "time":
                    // pbm stamps lines by default; PM2's time: true asks for what pbm already does.
                    if (Bool(value, rawKey) == false && options.ContainsKey("no-time")) opts["no-time"] = ["true"];
                    continue;
                case "disable-logs":
                    if (Bool(value, rawKey) == true) opts["output"] = opts["error"] = ["/dev/null"];
                    continue;
                case "log-type":
                    if (Text(value, rawKey) == "json") opts["log-format"] = ["json"];
                    continue;
                case "cron-restart":
                    // PM2: 0 (or '0') turns cron restarts off.
                    if (Text(value, rawKey) is not "0") opts["cron-restart"] = [Text(value, rawKey)];
                    continue;
                case "stop-exit-codes":
                    opts["stop-exit-codes"] = [string.Join(',', List(value, rawKey))];
                    continue;
                case "filter-env":
                    opts["filter-env"] = [value.Kind == ConfKind.Boolean ? (value.Text == "true" ? "*" : "") : string.Join(',', List(value, rawKey))];
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
            if (Pm2Keys.Unsupported.TryGetValue(key, out var reason))
            {
                // vizion: false, pmx: false...: turning off a PM2 feature pbm does not have asks for nothing.
                if (!(Pm2Keys.Features.Contains(key) && value.Kind == ConfKind.Boolean && value.Text == "false")) Ignore(rawKey, reason, value);
                continue;
            }
            var option = key;
            if (option is "name" && value.Kind == ConfKind.String && keyName is not null && value.Text != keyName)
                throw Error(value, $"name '{value.Text}' differs from the app's key '{keyName}'");
            if (!options.TryGetValue(option, out var takesValue) || option is "env" or "help" or "only" or "update-env" or "force")
            {
                Ignore(rawKey, "not a pbm option", value);
                continue;
            }
            if (!takesValue)
            {
                if (Bool(value, rawKey) == true) opts[option] = ["true"];
                continue;
            }
            opts[option] = value.Kind == ConfKind.Array ? [string.Join(',', List(value, rawKey))] : [Text(value, rawKey)];
        }
        // PM2 reads cmd and command only when there is no script.
        script ??= command;
        if (script is null) throw AppFileError.At(file, evaluated ? 0 : app.Line, $"{(evaluated ? $"apps[{index}]: " : "")}the app{(opts.TryGetValue("name", out var n) ? $" '{n[0]}'" : "")} has no script");
        env.AddRange(named);
        return new AppFileEntry(where, script, opts.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value), args, env);
    }

    private void Ignore(string key, string why, ConfNode value)
    {
        if (!_ignored.TryGetValue((key, why), out var places)) _ignored[(key, why)] = places = [];
        places.Add(evaluated ? file : $"{file}:{value.Line}");
    }

    private IEnumerable<string> Vars(ConfNode value, string key)
    {
        if (value.Kind == ConfKind.Null) yield break;
        if (value.Kind != ConfKind.Object) throw Error(value, $"{key} must be an object of variables, such as {{ NODE_ENV = production }}");
        foreach (var (name, v) in value.Fields)
        {
            if (name.Length == 0 || name.Contains('=') || name.Contains('\0')) throw Error(v, $"{key}: '{name}' is not a variable name");
            // PM2 passes objects and arrays as their JSON text, and leaves null out.
            if (v.Kind == ConfKind.Null) continue;
            yield return $"{name}={(v.Kind is ConfKind.Object or ConfKind.Array ? ToJson(v) : v.Text ?? "")}";
        }
    }

    private string Instances(ConfNode value, string key)
    {
        var text = Text(value, key);
        if (text.Equals("max", StringComparison.OrdinalIgnoreCase)) return "max";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d != Math.Floor(d) || Math.Abs(d) > 100_000)
            throw Error(value, $"{key}: expected a number of instances or 'max', found '{text}'");
        var n = (int)d;
        // PM2: 0 means one per CPU, -1 one per CPU but one.
        return n switch
        {
            0 => "max",
            < 0 => Math.Max(1, Environment.ProcessorCount + n).ToString(CultureInfo.InvariantCulture),
            _ => n.ToString(CultureInfo.InvariantCulture),
        };
    }

    private bool? Bool(ConfNode value, string key) => value.Kind switch
    {
        ConfKind.Boolean => value.Text == "true",
        ConfKind.Null => null,
        // PM2 files written by hand often say "true" or 1.
        ConfKind.String or ConfKind.Number when value.Text is "true" or "1" => true,
        ConfKind.String or ConfKind.Number when value.Text is "false" or "0" => false,
        _ => throw Error(value, $"{key}: expected true or false, found '{value.Text ?? value.Kind.ToString().ToLowerInvariant()}'"),
    };

    private string Text(ConfNode value, string key) =>
        value.IsScalar ? value.Text! : throw Error(value, $"{key}: expected a value, found {(value.Kind == ConfKind.Null ? "null" : "an " + value.Kind.ToString().ToLowerInvariant())}");

    private List<string> List(ConfNode value, string key) =>
        value.Kind == ConfKind.Array ? value.Items.Select(i => Text(i, key)).ToList() : [Text(value, key)];

    private PbmException Error(ConfNode at, string problem) =>
        evaluated ? new PbmException($"{file}: {problem}") : AppFileError.At(file, at.Line, problem);

    private static string ToJson(ConfNode node)
    {
        var sb = new StringBuilder();
        Write(node);
        return sb.ToString();

        void Write(ConfNode n)
        {
            switch (n.Kind)
            {
                case ConfKind.Object:
                    sb.Append('{');
                    for (var i = 0; i < n.Fields.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        sb.Append('"').Append(System.Text.Json.JsonEncodedText.Encode(n.Fields[i].Key)).Append("\":");
                        Write(n.Fields[i].Value);
                    }
                    sb.Append('}');
                    break;
                case ConfKind.Array:
                    sb.Append('[');
                    for (var i = 0; i < n.Items.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        Write(n.Items[i]);
                    }
                    sb.Append(']');
                    break;
                case ConfKind.String:
                    sb.Append('"').Append(System.Text.Json.JsonEncodedText.Encode(n.Text!)).Append('"');
                    break;
                case ConfKind.Null:
                    sb.Append("null");
                    break;
                default:
                    sb.Append(n.Text);
                    break;
            }
        }
    }
}
