using System.Diagnostics;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Install;

/// <summary>
/// `dotnet pack` of the repository into a folder feed: the Pbm.Tool package installs as a .NET tool whose pbm runs and
/// starts the daemon it carries, and examples/EmbeddedService builds against the Pbm.Runtime package instead of the
/// sources. The packages get a version of their own (1.0.0-tXXXX), and restores use a NuGet cache of their own
/// (the machine's cache is a read-only fallback for everything else), so nothing stale is picked up and nothing
/// is left behind. Slow (a Release build of src/ and two restores): everything is in this one test.
/// </summary>
public sealed class PackageTests
{
    [Fact]
    public async Task Pack_ToolInstallsRunsAndStartsItsDaemon_EmbeddedServiceBuildsFromThePackages()
    {
        var root = Path.Combine(Path.GetTempPath(), "pbm-pack-" + Guid.NewGuid().ToString("N")[..10]);
        var feed = Path.Combine(root, "feed");
        var suffix = "t" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            Directory.CreateDirectory(root);
            // Its own bin and obj (--artifacts-path): never races a ./pbm build over the repository's obj folders.
            var pack = await DotnetAsync(Repo.Root, null, "pack", Path.Combine(Repo.Root, "Runtime.sln"), "-c", "Release", "-o", feed,
                "--artifacts-path", Path.Combine(root, "artifacts"), $"-p:VersionSuffix={suffix}");
            Assert.True(pack.ExitCode == 0, pack.ToString());
            var tool = Assert.Single(Directory.GetFiles(feed, "Pbm.Tool.*.nupkg"));
            var version = Path.GetFileNameWithoutExtension(tool)["Pbm.Tool.".Length..];
            Assert.EndsWith("-" + suffix, version);
            Assert.True(File.Exists(Path.Combine(feed, $"Pbm.Client.{version}.nupkg")));
            Assert.True(File.Exists(Path.Combine(feed, $"Pbm.Runtime.{version}.nupkg")));

            await File.WriteAllTextAsync(Path.Combine(root, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="pbm-test-feed" value="{feed}" />
                  </packageSources>
                  <fallbackPackageFolders>
                    <add key="machine" value="{MachinePackages()}" />
                  </fallbackPackageFolders>
                </configuration>
                """);
            var packages = Path.Combine(root, "packages");

            var tools = Path.Combine(root, "tools");
            var install = await DotnetAsync(root, packages, "tool", "install", "--tool-path", tools, "--add-source", feed, "Pbm.Tool", "--version", version);
            Assert.True(install.ExitCode == 0, install.ToString());
            var pbm = Path.Combine(tools, "pbm");
            await using (var box = new Sandbox())
            {
                Assert.Equal((await box.OkAsync("--version")).Trim(), (await box.RunProgramAsync(pbm, "--version")).Stdout.Trim());
                var start = await box.RunProgramAsync(pbm, "start", Repo.App("idle.js"), "--name", "idle");
                Assert.True(start.ExitCode == 0, start.ToString());
                var cmdline = (await File.ReadAllTextAsync($"/proc/{Sandbox.DaemonPid(box.Home)}/cmdline")).Replace('\0', ' ');
                Assert.Contains(Path.Combine(tools, ".store", "pbm.tool", version), cmdline);
                Assert.Contains("pbm-daemon.dll", cmdline);
                await Sandbox.EventuallyAsync(() => box.RunProgramAsync(pbm, "list", "--json"), r => r.Stdout.Contains("\"status\": \"online\""),
                    "idle online, started by the tool's daemon");
                var kill = await box.RunProgramAsync(pbm, "kill");
                Assert.True(kill.ExitCode == 0, kill.ToString());
            }

            // The example, outside the repository (with the repository's build settings), on the packages only.
            var service = Path.Combine(root, "service");
            var example = Path.Combine(service, "examples", "EmbeddedService");
            Directory.CreateDirectory(example);
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig" })
                File.Copy(Path.Combine(Repo.Root, file), Path.Combine(service, file));
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "examples", "EmbeddedService")))
                File.Copy(file, Path.Combine(example, Path.GetFileName(file)));
            var build = await DotnetAsync(service, packages, "build", example, "-p:PbmFromPackages=true", $"-p:PbmPackageVersion={version}");
            Assert.True(build.ExitCode == 0, build.ToString());
            var assets = await File.ReadAllTextAsync(Path.Combine(example, "obj", "project.assets.json"));
            Assert.Contains($"\"Pbm.Runtime/{version}\"", assets);
            Assert.Contains($"\"Pbm.Client/{version}\"", assets);
            Assert.DoesNotContain("\"type\": \"project\"", assets);
            Assert.True(File.Exists(Path.Combine(example, "bin", "Debug", "net10.0", "EmbeddedService.dll")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The machine's NuGet cache, where the repository's own restore put Akka.NET and the rest.</summary>
    private static string MachinePackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>
    /// Runs dotnet with no build server left behind (no node reuse, no shared compiler) and, when
    /// <paramref name="packages"/> is given, that folder as the NuGet cache.
    /// </summary>
    private static async Task<CliResult> DotnetAsync(string cwd, string? packages, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (args[0] is "pack" or "build")
            foreach (var a in new[] { "--nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-v:q" }) psi.ArgumentList.Add(a);
        // The test host's MSBuild variables would point a child build at the test run's own MSBuild.
        foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList()) psi.Environment.Remove(k);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        if (packages is not null) psi.Environment["NUGET_PACKAGES"] = packages;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within 4 min");
        }
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }
}
