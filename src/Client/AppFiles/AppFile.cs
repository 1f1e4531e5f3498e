namespace Pbm.Client.AppFiles;

/// <summary>
/// Reads an app file into apps: pbm's own apps.hocon / apps.json (keys are the CLI's option names) and PM2
/// ecosystem files (.config.js evaluated by node, .json, .yaml), whose keys are mapped to the same options.
/// Relative paths in the file are relative to the file's folder (PM2 takes them relative to the shell's folder,
/// which is the same when the file is started from its own folder, the common case, and works from anywhere else).
/// </summary>
public static class AppFile
{
    /// <summary>True when <paramref name="path"/> names an app file rather than a script to run.</summary>
    public static bool IsAppFile(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        if (name == "package.json") return false;
        var ext = System.IO.Path.GetExtension(name).ToLowerInvariant();
        return ext is ".hocon" or ".conf" or ".json" or ".json5" or ".yaml" or ".yml" ||
               (ext is ".js" or ".cjs" or ".mjs" && (name.Contains(".config.", StringComparison.Ordinal) || name.StartsWith("ecosystem", StringComparison.Ordinal)));
    }

    /// <param name="path">The file (absolute).</param>
    /// <param name="envName">The NAME of --env NAME: env_NAME is laid over env.</param>
    /// <param name="options">The CLI's start options: name → takes a value.</param>
    public static AppFileSet Load(string path, string? envName, IReadOnlyDictionary<string, bool> options)
    {
        if (!File.Exists(path)) throw new PbmException($"app file not found: {path}");
        var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        ConfNode root;
        IReadOnlyDictionary<string, string> env = new Dictionary<string, string>();
        var evaluated = false;
        if (ext is ".js" or ".cjs" or ".mjs")
        {
            (root, env) = ConfigEvaluator.Evaluate(path, asExpression: false);
            evaluated = true;
        }
        else if (ext is ".yaml" or ".yml")
        {
            root = YamlReader.Parse(File.ReadAllText(path), path);
        }
        else if (ext is ".json" or ".json5")
        {
            var bytes = File.ReadAllBytes(path);
            try
            {
                root = JsonReader.Parse(bytes, path);
            }
            catch (PbmException)
            {
                // PM2 evaluates .json files as a JavaScript expression: unquoted keys, 'single quotes' and the like
                // run there. Do the same when node is at hand; if that fails too, the JSON error (with its line) says more.
                if (ConfigEvaluator.TryEvaluate(path) is not { } js) throw;
                (root, env) = js;
                evaluated = true;
            }
        }
        else
        {
            root = HoconReader.Parse(File.ReadAllText(path), path);
        }

        var warnings = new List<string>();
        var apps = AppsOf(root, path);
        if (root.Kind == ConfKind.Object && (root.Get("apps") ?? root.Get("pm2")) is not null)
            foreach (var (key, value) in root.Fields.Where(f => f.Key is not ("apps" or "pm2")))
                warnings.Add($"{(evaluated ? path : $"{path}:{value.Line}")}: {key} is not supported" +
                             (key == "deploy" ? " (use pbm deploy <app> --path DIR)" : " (only apps is read)") + "; ignored");
        var mapper = new AppFileMapper(path, evaluated, envName, options);
        var entries = apps.Select((a, i) => mapper.Map(a.Node, a.Key, i)).ToList();
        if (entries.Count == 0) throw AppFileError.At(path, root.Line, "no apps in this file");
        warnings.AddRange(mapper.Warnings());
        if (envName is not null && !mapper.EnvNameSeen)
            warnings.Add($"{path}: --env {envName}: no app of this file has env_{envName}; starting with env only");
        var dup = entries.Where(e => e.Name is not null).GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new PbmException($"{dup.Skip(1).First().Where}: the name '{dup.Key}' is used twice in this file");
        return new AppFileSet(path, entries, warnings, env);
    }

    private static List<(ConfNode Node, string? Key)> AppsOf(ConfNode root, string path)
    {
        ConfNode list;
        if (root.Kind == ConfKind.Array) list = root;
        else if (root.Kind == ConfKind.Object && (root.Get("apps") ?? root.Get("pm2")) is { } apps) list = apps;
        else if (root.Kind == ConfKind.Object && AppFileMapper.HasScript(root)) return [(root, null)];
        else throw AppFileError.At(path, root.Line, "no 'apps' list: expected apps = [ { name = ..., script = ... } ] (or a PM2 module.exports = { apps: [...] })");

        if (list.Kind == ConfKind.Array)
        {
            foreach (var item in list.Items.Where(i => i.Kind != ConfKind.Object))
                throw AppFileError.At(path, item.Line, "each app must be an object such as { name = web, script = app.js }");
            return list.Items.Select(i => (i, (string?)null)).ToList();
        }
        if (list.Kind == ConfKind.Object)
        {
            // PM2 takes a single app object in place of the list.
            if (AppFileMapper.HasScript(list)) return [(list, null)];
            // apps { web { script = ... } }: the key is the name.
            foreach (var (key, value) in list.Fields.Where(f => f.Value.Kind != ConfKind.Object))
                throw AppFileError.At(path, value.Line, $"apps.{key} must be an object such as {{ script = app.js }}");
            return list.Fields.Select(f => (f.Value, (string?)f.Key)).ToList();
        }
        throw AppFileError.At(path, list.Line, "'apps' must be a list of apps");
    }
}
