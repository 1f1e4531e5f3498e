using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Lifecycle;

/// <summary>Specs read from files (the state file, a dump given to resurrect) go through the same validation as the API's.</summary>
public sealed class StateValidationTests
{
    private static string Q(string text) => RawApi.Quote(text);

    private static string Entry(string name, string extra = "") =>
        $$"""{"spec":{"name":{{Q(name)}},"script":"/bin/sleep","command":"/bin/sleep","args":["600"],"cwd":"/tmp"{{extra}}},"running":true}""";

    private static string StateFile(params string[] entries) => $$"""{"format":1,"savedAt":"2024-01-01T00:00:00Z","revision":3,"apps":[{{string.Join(",", entries)}}]}""";

    [Fact]
    public async Task StateFileSpecWithoutRestartEnvOrLogs_RunsWithTheDefaults()
    {
        await using var box = new Sandbox();
        Directory.CreateDirectory(Path.Combine(box.Home, "state"));
        await File.WriteAllTextAsync(Path.Combine(box.Home, "state", "apps.json"), StateFile(Entry("bare")));

        var first = await box.RunAsync(TimeSpan.FromSeconds(30), "list");
        Assert.True(first.ExitCode == 0, first.ToString());
        var online = await Sandbox.EventuallyAsync(() => box.InstancesAsync("bare"), l => l.Count == 1 && l[0].Status == InstanceStatus.Online,
            "bare:0 online", TimeSpan.FromSeconds(20));
        Assert.Equal(0, online[0].Restarts);
        Assert.True(Control.SpecValidationTests.DaemonRssMb(box) < 200, $"daemon RSS {Control.SpecValidationTests.DaemonRssMb(box)} MB");
        Assert.Equal(0, (await box.RunAsync(TimeSpan.FromSeconds(20), "delete", "bare")).ExitCode);
    }

    [Fact]
    public async Task StateFileAppNamedOutsideTheHome_IsLeftOut_ReportedOnTheFirstCommandAndInPbmLog()
    {
        await using var box = new Sandbox();
        var escape = "pbm-escape-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(Path.Combine(box.Home, "state"));
        var state = Path.Combine(box.Home, "state", "apps.json");
        var content = StateFile(Entry("../../" + escape), Entry("good"));
        await File.WriteAllTextAsync(state, content);
        try
        {
            var first = await box.RunAsync(TimeSpan.FromSeconds(30), "list");
            Assert.Equal(1, first.ExitCode);
            Assert.Contains($"'../../{escape}' left out", first.Stderr);
            Assert.Contains("invalid app name", first.Stderr);
            Assert.Contains("good", first.Stdout);

            Assert.Equal(["good"], (await box.ListAsync()).Apps.Select(a => a.Spec.Name).ToArray());
            Assert.Contains(File.ReadLines(Path.Combine(box.Home, "pbm.log")), l => l.Contains($"'../../{escape}' left out"));
            // The file as it was is kept for the user to mend.
            var aside = Directory.GetFiles(Path.Combine(box.Home, "state"), "apps.json.corrupt-*");
            Assert.Equal(content, await File.ReadAllTextAsync(Assert.Single(aside)));
            await Sandbox.EventuallyAsync(() => box.InstancesAsync("good"), l => l.Count == 1 && l[0].Status == InstanceStatus.Online, "good:0 online");
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(box.Home)!, escape + "*"));
        }
        finally
        {
            foreach (var f in Directory.GetFiles(Path.GetDirectoryName(box.Home)!, escape + "*")) File.Delete(f);
        }
    }

    [Fact]
    public async Task CorruptStateFile_TheCommandThatStartsTheDaemonSaysSo_AndPbmLogHasALine()
    {
        foreach (var command in new[] { new[] { "start", Repo.App("idle.js") }, ["daemon"] })
        {
            await using var box = new Sandbox();
            Directory.CreateDirectory(Path.Combine(box.Home, "state"));
            await File.WriteAllTextAsync(Path.Combine(box.Home, "state", "apps.json"), "{ \"format\": 1, \"apps\": [ {\"spec\": ");
            var r = await box.RunAsync(TimeSpan.FromSeconds(30), command);
            Assert.True(r.Stderr.Contains("is corrupt"), $"pbm {command[0]}: {r}");
            Assert.Contains(File.ReadLines(Path.Combine(box.Home, "pbm.log")), l => l.Contains("is corrupt"));
        }
    }

    [Fact]
    public async Task ResurrectOfADumpWithABadApp_StartsTheOthers_AndNamesWhatItLeftOut()
    {
        await using var box = new Sandbox();
        var escape = "pbm-escape-" + Guid.NewGuid().ToString("N")[..8];
        var dump = Path.Combine(box.Work, "mixed.json");
        await File.WriteAllTextAsync(dump, StateFile(Entry("../../" + escape), Entry("fine"), Entry("nosig", ",\"killSignal\":null")));
        try
        {
            var r = await box.RunAsync(TimeSpan.FromSeconds(30), "resurrect", dump);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains($"'../../{escape}' left out", r.Stderr);
            Assert.Contains("'nosig' left out: killSignal", r.Stderr);
            Assert.Equal(["fine"], (await box.ListAsync()).Apps.Select(a => a.Spec.Name).ToArray());
            await Sandbox.EventuallyAsync(() => box.InstancesAsync("fine"), l => l.Count == 1 && l[0].Status == InstanceStatus.Online, "fine:0 online");
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(box.Home)!, escape + "*"));
        }
        finally
        {
            foreach (var f in Directory.GetFiles(Path.GetDirectoryName(box.Home)!, escape + "*")) File.Delete(f);
        }
    }
}
