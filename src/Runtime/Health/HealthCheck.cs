using System.Diagnostics;
using System.Net.Sockets;
using Pbm.Client.Contracts;
using Pbm.Client.Specs;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Health;

/// <summary>
/// One run of an instance's health check (--health), bounded by its timeout: null when healthy, else what failed, in
/// the words <c>pbm show</c> prints ("GET /healthz timed out after 500 ms"). Never throws and never outlives the
/// timeout by more than the kill of an exec check's process tree, so the probe that awaits it always gets an answer.
/// </summary>
internal static class HealthCheck
{
    // No pooling: a hung app would hold a pooled connection's request the same way, and a fresh connection per check
    // also proves the port still accepts.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.Zero,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Where and how to check one instance.</summary>
    /// <param name="Address">Where the gateway reaches the instance.</param>
    /// <param name="Port">Its private port (null: none; only exec checks apply).</param>
    /// <param name="Cwd">The app's working directory, for exec checks.</param>
    /// <param name="Env">The instance's environment, for exec checks.</param>
    /// <param name="User">The user the instance runs as (exec checks run as it too), or null.</param>
    public sealed record Target(HealthCheckSpec Spec, string Address, int? Port, string Cwd, IReadOnlyDictionary<string, string> Env, RunAs? User);

    public static async Task<string?> RunAsync(Target target)
    {
        var spec = target.Spec;
        var timeout = TimeSpan.FromMilliseconds(spec.TimeoutMs);
        using var cts = new CancellationTokenSource(timeout);
        if (spec.Check.StartsWith(HealthChecks.ExecPrefix, StringComparison.Ordinal)) return await ExecAsync(target, cts.Token, timeout).ConfigureAwait(false);
        if (target.Port is not { } port) return "no private port to check";
        var host = target.Address.Contains(':') ? "[" + target.Address + "]" : target.Address;
        if (spec.Check.StartsWith(HealthChecks.HttpPrefix, StringComparison.Ordinal))
        {
            var path = HealthChecks.HttpPath(spec.Check);
            try
            {
                using var response = await Http.GetAsync($"http://{host}:{port}{path}", HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
                var code = (int)response.StatusCode;
                return code is >= 200 and < 300 ? null : $"GET {path} answered {code}";
            }
            catch (OperationCanceledException)
            {
                return $"GET {path} timed out after {Ms(timeout)}";
            }
            catch (HttpRequestException e)
            {
                return $"GET {path} failed: {e.InnerException?.Message ?? e.Message}";
            }
        }
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(target.Address, port, cts.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            return $"port {port} did not accept within {Ms(timeout)}";
        }
        catch (SocketException e)
        {
            return $"port {port}: {e.Message}";
        }
    }

    /// <summary>exec:COMMAND: /bin/sh -c COMMAND in the app's cwd with the instance's environment (and user); exit 0 is healthy.</summary>
    private static async Task<string?> ExecAsync(Target target, CancellationToken ct, TimeSpan timeout)
    {
        var command = target.Spec.Check[HealthChecks.ExecPrefix.Length..];
        var launch = new LaunchSpec("/bin/sh", ["-c", command], target.Cwd, target.Env);
        if (target.User is { } user) launch = user.Wrap(launch);
        var psi = new ProcessStartInfo(launch.Command)
        {
            WorkingDirectory = launch.Cwd,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in launch.Args) psi.ArgumentList.Add(arg);
        psi.Environment.Clear();
        foreach (var (k, v) in launch.Env) psi.Environment[k] = v;
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return $"exec '{command}' could not start: {e.Message}";
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Exited meanwhile.
                }
                return $"exec '{command}' timed out after {Ms(timeout)}";
            }
            if (process.ExitCode == 0) return null;
            var said = await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None).ContinueWith(
                t => t.IsCompletedSuccessfully ? LastLine(t.Result[1]) ?? LastLine(t.Result[0]) : null, TaskScheduler.Default).ConfigureAwait(false);
            return $"exec '{command}' exited with code {process.ExitCode}{(said is null ? "" : ": " + said)}";
        }
    }

    private static string? LastLine(string text)
    {
        var line = text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
        return line is null ? null : line.Length > 160 ? line[..160] + "..." : line;
    }

    internal static string Ms(TimeSpan t) => t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0} ms" : $"{t.TotalSeconds:0.#} s";
}
