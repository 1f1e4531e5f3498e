using System.Diagnostics;
using System.Text.Json;
using Pbm.Client.Contracts;

namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>
/// One PBM_HOME in a temp folder, the real pbm CLI, and whatever daemon it starts. Disposing kills the daemon
/// (pbm kill), then any process still carrying this PBM_HOME in its environment, removes the home's cgroups should
/// any be left, and deletes the folder, so nothing a test started outlives it.
/// </summary>
public sealed class Sandbox : IAsyncDisposable
{
    public Sandbox()
    {
        Home = Path.Combine(Path.GetTempPath(), "pbm-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Home);
        Work = Path.Combine(Home, "work");
        Directory.CreateDirectory(Work);
    }

    public string Home { get; }

    /// <summary>A scratch folder for test apps to write to.</summary>
    public string Work { get; }

    public Dictionary<string, string> Env { get; } = new();

    /// <summary>Variables removed from the CLI's environment (as if the user unset them).</summary>
    public HashSet<string> Unset { get; } = [];

    public async Task<CliResult> RunAsync(params string[] args) => await RunAsync(TimeSpan.FromSeconds(90), args);

    public Task<CliResult> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, null, args);

    /// <summary>Runs the README's entry point, the repository's <c>./pbm</c> script (which builds if needed, then execs the CLI).</summary>
    public Task<CliResult> RunScriptAsync(params string[] args) => RunAsync(TimeSpan.FromSeconds(600), null, args, Path.Combine(Repo.Root, "pbm"));

    /// <summary>Runs pbm from <paramref name="cwd"/> (relative paths, app files found where a user would type them).</summary>
    public Task<CliResult> RunInAsync(string cwd, params string[] args) => RunAsync(TimeSpan.FromSeconds(90), null, args, cwd: cwd);

    /// <summary>Runs another program (an installed pbm, say) with this sandbox's PBM_HOME and environment.</summary>
    public Task<CliResult> RunProgramAsync(string program, params string[] args) => RunAsync(TimeSpan.FromSeconds(90), null, args, program);

    /// <summary>Runs pbm with <paramref name="input"/> as its standard input (the prompt of `pbm` alone reads lines).</summary>
    public Task<CliResult> RunWithInputAsync(string input, params string[] args) => RunAsync(TimeSpan.FromSeconds(90), input, args);

    private async Task<CliResult> RunAsync(TimeSpan timeout, string? input, string[] args, string? program = null, string? cwd = null)
    {
        var psi = new ProcessStartInfo(program ?? Repo.Pbm)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            RedirectStandardInput = input is not null,
            WorkingDirectory = cwd ?? Repo.Root,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PBM_HOME"] = Home;
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in Env) psi.Environment[k] = v;
        foreach (var k in Unset) psi.Environment.Remove(k);
        using var p = Process.Start(psi)!;
        if (input is not null)
        {
            await p.StandardInput.WriteAsync(input);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(true);
            throw new TimeoutException($"pbm {string.Join(' ', args)} did not finish within {timeout}");
        }
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs pbm and asserts it succeeded.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var r = await RunAsync(args);
        Assert.True(r.ExitCode == 0, $"pbm {string.Join(' ', args)} failed: {r}");
        return r.Stdout;
    }

    public async Task<ListResult> ListAsync()
    {
        var json = await OkAsync("list", "--json");
        return JsonSerializer.Deserialize(json, PbmJsonContext.Default.ListResult)!;
    }

    public async Task<List<InstanceInfo>> InstancesAsync(string app) =>
        (await ListAsync()).Apps.Where(a => a.Spec.Name == app).SelectMany(a => a.Instances).OrderBy(i => i.Index).ToList();

    public async Task<AppInfo> ShowAsync(string target)
    {
        var json = await OkAsync("show", target, "--json");
        return JsonSerializer.Deserialize(json, PbmJsonContext.Default.AppInfo)!;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the last state otherwise.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = within ?? TimeSpan.FromSeconds(30);
        T last;
        while (true)
        {
            last = await probe();
            if (condition(last)) return last;
            if (deadline.Elapsed > limit) break;
            await Task.Delay(100);
        }
        var shown = last is null ? "null" : last is System.Collections.IEnumerable e and not string
            ? string.Join("; ", e.Cast<object>()) : last.ToString();
        Assert.Fail($"timed out after {limit.TotalSeconds:0} s waiting for {what}; last: {shown}");
        return last;
    }

    public static int DaemonPid(string home) =>
        int.TryParse(File.Exists(Path.Combine(home, "daemon.pid")) ? File.ReadAllText(Path.Combine(home, "daemon.pid")).Trim() : "", out var pid) ? pid : 0;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(TimeSpan.FromSeconds(60), "kill");
        }
        catch (Exception)
        {
            // Fall through to the hard clean-up.
        }
        foreach (var pid in ProcessTable.WithEnv("PBM_HOME", Home))
        {
            try
            {
                Process.GetProcessById(pid).Kill(true);
            }
            catch (Exception)
            {
            }
        }
        Cgroups.RemoveHome(Home);
        KernelLimits.RemoveHome(Home);
        try
        {
            Directory.Delete(Home, true);
        }
        catch (IOException)
        {
        }
    }
}
