using System.Diagnostics;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Reads an app file into apps: pbm's own apps.hocon / apps.json (keys are the CLI's option names) and PM2
/// ecosystem files (.config.js evaluated by node, .json, .yaml), whose keys are mapped to the same options.
/// Relative paths in the file are relative to the file's folder, as in PM2.
/// </summary>
public static class AppFile
{
    /// <summary>True when <paramref name="path"/> names an app file rather than a script to run.</summary>
    public static bool IsAppFile(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        if (name == "package.json") return false;
        var ext = System.IO.Path.GetExtension(name).ToLowerInvariant();
        return ext is ".hocon" or ".conf" or ".json" or ".yaml" or ".yml" ||
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
        var evaluated = ext is ".js" or ".cjs" or ".mjs";
        if (evaluated) root = HoconReader.Parse(Evaluate(path), path);
        else if (ext is ".yaml" or ".yml") root = YamlReader.Parse(File.ReadAllText(path), path);
        else root = HoconReader.Parse(File.ReadAllText(path), path);

        var warnings = new List<string>();
        var apps = AppsOf(root, path);
        if (root.Kind == ConfKind.Object && root.Get("apps") is not null)
            foreach (var (key, value) in root.Fields.Where(f => f.Key != "apps"))
                warnings.Add($"{(evaluated ? path : $"{path}:{value.Line}")}: {key} is not supported" +
                             (key == "deploy" ? " (use pbm deploy <app> --path DIR)" : " (only apps is read)") + "; ignored");
        var mapper = new AppFileMapper(path, evaluated, envName, options, warnings);
        var entries = apps.Select((a, i) => mapper.Map(a.Node, a.Key, i)).ToList();
        if (entries.Count == 0) throw AppFileError.At(path, root.Line, "no apps in this file");
        if (envName is not null && !mapper.EnvNameSeen)
            throw AppFileError.At(path, 0, $"--env {envName}: no app of this file has env_{envName}");
        var dup = entries.Where(e => e.Name is not null).GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new PbmException($"{dup.Skip(1).First().Where}: the name '{dup.Key}' is used twice in this file");
        return new AppFileSet(path, entries, warnings);
    }

    private static List<(ConfNode Node, string? Key)> AppsOf(ConfNode root, string path)
    {
        ConfNode list;
        if (root.Kind == ConfKind.Array) list = root;
        else if (root.Kind == ConfKind.Object && root.Get("apps") is { } apps) list = apps;
        else if (root.Kind == ConfKind.Object && root.Get("script") is not null) return [(root, null)];
        else throw AppFileError.At(path, root.Line, "no 'apps' list: expected apps = [ { name = ..., script = ... } ] (or a PM2 module.exports = { apps: [...] })");

        if (list.Kind == ConfKind.Array)
        {
            foreach (var item in list.Items.Where(i => i.Kind != ConfKind.Object))
                throw AppFileError.At(path, item.Line, "each app must be an object such as { name = web, script = app.js }");
            return list.Items.Select(i => (i, (string?)null)).ToList();
        }
        if (list.Kind == ConfKind.Object)
        {
            // apps { web { script = ... } }: the key is the name.
            foreach (var (key, value) in list.Fields.Where(f => f.Value.Kind != ConfKind.Object))
                throw AppFileError.At(path, value.Line, $"apps.{key} must be an object such as {{ script = app.js }}");
            return list.Fields.Select(f => (f.Value, (string?)f.Key)).ToList();
        }
        throw AppFileError.At(path, list.Line, "'apps' must be a list of apps");
    }

    /// <summary>Runs node to evaluate a .config.js and returns module.exports as JSON.</summary>
    private static string Evaluate(string path)
    {
        const string script =
            "const f=process.argv[1];" +
            "const load=f.endsWith('.mjs')?import(require('url').pathToFileURL(f).href).then(m=>m.default??m):Promise.resolve(require(f));" +
            "load.then(m=>(m&&m.__esModule&&m.default)?m.default:m).then(m=>typeof m==='function'?m():m)" +
            ".then(v=>process.stdout.write(JSON.stringify(v===undefined?null:v)),e=>{console.error(e&&e.stack||String(e));process.exit(1)});";
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = System.IO.Path.GetDirectoryName(path)!,
        };
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new PbmException($"{path}: node is needed to read a .config.js app file, and it is not on PATH");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(true);
                throw new PbmException($"{path}: node did not finish evaluating it within 30 s");
            }
            if (process.ExitCode != 0)
            {
                // Node prints "FILE:LINE", the source line, a caret, a blank line and "SyntaxError: ..."; keep the telling parts.
                var lines = stderr.Result.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var at = lines.FirstOrDefault(l => l.StartsWith(path + ":", StringComparison.Ordinal));
                var error = lines.FirstOrDefault(l => l.Contains("Error", StringComparison.Ordinal) && !l.StartsWith("at ", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "failed";
                var where = at is not null ? at : path;
                throw new PbmException($"{where}: {error}");
            }
            return stdout.Result;
        }
    }
}
