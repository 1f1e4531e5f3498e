using System.Diagnostics;

namespace Pbm.Client.AppFiles;

/// <summary>
/// Evaluates a JavaScript app file (ecosystem.config.js, .cjs, .mjs; or a .json that only JavaScript reads, as PM2
/// reads them) with node, as PM2 does in its own process: <c>module.exports</c> (or an exported function, or an ES
/// module's default export), with the shell's environment and working directory. The result comes back through a
/// file of its own, never stdout, so a config that prints (console.log) is not mistaken for its output; what it
/// prints is passed on to stderr. Variables the config puts into <c>process.env</c> (dotenv's <c>config()</c>) are
/// returned too: under PM2 they are in the environment every app inherits.
/// </summary>
public static class ConfigEvaluator
{
    private const string Script = """
        const fs = require('fs'), url = require('url'), vm = require('vm');
        const [file, out, mode] = process.argv.slice(1);
        const before = Object.assign({}, process.env);
        // Whatever the config prints goes to stderr: stdout belongs to pbm (and its --json output).
        process.stdout.write = process.stderr.write.bind(process.stderr);
        const done = v => {
          const env = {};
          for (const k of Object.keys(process.env)) if (before[k] !== process.env[k]) env[k] = String(process.env[k]);
          fs.writeFileSync(out, JSON.stringify({ config: v === undefined ? null : v, env }));
        };
        const load = mode === 'expression'
          ? Promise.resolve(vm.runInThisContext('(' + fs.readFileSync(file, 'utf8') + ')', { filename: file }))
          : file.endsWith('.mjs') ? import(url.pathToFileURL(file).href).then(m => m.default ?? m) : Promise.resolve(require(file));
        load.then(m => (m && m.__esModule && m.default) ? m.default : m)
          .then(m => typeof m === 'function' ? m() : m)
          .then(done, e => { console.error(e && e.stack || String(e)); process.exit(1); });
        """;

    /// <summary>Evaluates <paramref name="path"/>; a failure is a <see cref="PbmException"/> naming the file (and line, when node gives one).</summary>
    public static (ConfNode Root, IReadOnlyDictionary<string, string> Env) Evaluate(string path, bool asExpression)
    {
        var result = Run(path, asExpression, out var error);
        return result ?? throw new PbmException(error!);
    }

    /// <summary>A .json file evaluated as a JavaScript expression, as PM2 reads it; null when node is missing or fails.</summary>
    public static (ConfNode Root, IReadOnlyDictionary<string, string> Env)? TryEvaluate(string path) => Run(path, asExpression: true, out _);

    private static (ConfNode, IReadOnlyDictionary<string, string>)? Run(string path, bool asExpression, out string? error)
    {
        error = null;
        // Created here, readable by this user only: the evaluated config may carry secrets (its env blocks).
        var output = Path.Combine(Path.GetTempPath(), $"pbm-config-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        File.Create(output).Dispose();
        File.SetUnixFileMode(output, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = false,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add(Script);
        psi.ArgumentList.Add(path);
        psi.ArgumentList.Add(output);
        psi.ArgumentList.Add(asExpression ? "expression" : "module");
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            File.Delete(output);
            error = $"{path}: node is needed to read a JavaScript app file, and it is not on PATH";
            return null;
        }
        try
        {
            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(30_000))
                {
                    process.Kill(true);
                    error = $"{path}: node did not finish evaluating it within 30 s";
                    return null;
                }
                if (process.ExitCode != 0 || new FileInfo(output).Length == 0)
                {
                    error = Describe(path, stderr.Result);
                    return null;
                }
                // What the config printed, PM2 shows too.
                if (stderr.Result.Length > 0) Console.Error.Write(stderr.Result);
                return Read(path, File.ReadAllBytes(output));
            }
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static (ConfNode, IReadOnlyDictionary<string, string>) Read(string path, byte[] bytes)
    {
        var root = JsonReader.Parse(bytes, path);
        var config = root.Get("config") ?? ConfNode.Scalar(ConfKind.Null, 0, null);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in root.Get("env")?.Fields ?? []) env[k] = v.Text ?? "";
        if (config.Kind is not (ConfKind.Object or ConfKind.Array))
            throw new PbmException($"{path}: module.exports is {(config.Kind == ConfKind.Null ? "empty" : "a " + config.Kind.ToString().ToLowerInvariant())}; expected {{ apps: [...] }}");
        return (config, env);
    }

    /// <summary>Node prints "FILE:LINE", the source line, a caret, a blank line and "SyntaxError: ..."; keep the telling parts.</summary>
    private static string Describe(string path, string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var at = lines.FirstOrDefault(l => l.StartsWith(path + ":", StringComparison.Ordinal));
        var error = lines.FirstOrDefault(l => l.Contains("Error", StringComparison.Ordinal) && !l.StartsWith("at ", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "failed";
        return $"{at ?? path}: {error}";
    }
}
