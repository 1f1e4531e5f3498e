using System.Text.RegularExpressions;
using Pbm.Client.Contracts;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Observability;

/// <summary>PM2's log file options (out_file, error_file, log_file, merge_logs, log_date_format; -o, -e, -l) as PM2 names and writes the files.</summary>
public sealed class LogFileOptionsTests
{
    private const string Talker = """
        const i = process.env.NODE_APP_INSTANCE;
        console.log('out of ' + i);
        console.error('err of ' + i);
        setInterval(() => {}, 1 << 30);
        """;

    [Fact]
    public async Task EcosystemFile_PerInstanceFilesWithPmId_MergedFilesShared_DateFormat_DevNull_LogsAndFlushReadThem()
    {
        await using var box = new Sandbox();
        await File.WriteAllTextAsync(Path.Combine(box.Work, "talker.js"), Talker);
        await File.WriteAllTextAsync(Path.Combine(box.Work, "ecosystem.config.js"), """
            module.exports = {
              apps: [
                {
                  name: 'api',
                  script: './talker.js',
                  instances: 2,
                  exec_mode: 'cluster',
                  out_file: './logs/api-out.log',
                  error_file: './logs/api-err.log',
                  log_file: './logs/api-combined.log',
                  log_date_format: 'YYYY-MM-DD HH:mm Z',
                },
                {
                  name: 'worker',
                  script: './talker.js',
                  instances: 2,
                  out_file: './logs/worker.log',
                  error_file: '/dev/null',
                  merge_logs: true,
                },
              ],
            };
            """);
        var start = await box.RunInAsync(box.Work, "start", "ecosystem.config.js");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.DoesNotContain("not supported", start.Stderr); // none of these keys is ignored any more

        var logs = Path.Combine(box.Work, "logs");
        var ids = (await box.ShowAsync("api")).Spec.InstanceIds!;
        var stamped = new Regex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} [+-]\d{2}:\d{2}: (out|err) of [01]$");
        foreach (var index in new[] { 0, 1 })
        {
            // PM2's names: the instance's pm_id before .log; the folder created.
            var id = ids[index];
            var outFile = Path.Combine(logs, $"api-out-{id}.log");
            var errFile = Path.Combine(logs, $"api-err-{id}.log");
            var combined = Path.Combine(logs, $"api-combined-{id}.log");
            await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.Lines(combined)), l => l.Length == 2, $"both lines in {combined}");
            Assert.Equal([$"out of {index}"], LogFiles.Lines(outFile).Select(l => stamped.Match(l).Success ? l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..] : l));
            Assert.All(LogFiles.Lines(outFile).Concat(LogFiles.Lines(errFile)).Concat(LogFiles.Lines(combined)), l => Assert.Matches(stamped, l));
            Assert.EndsWith($"err of {index}", Assert.Single(LogFiles.Lines(errFile)));
            Assert.False(File.Exists(LogFiles.Path(box.Home, "api", index, "out")), "api writes to its out_file, not PBM_HOME/logs");
        }

        // merge_logs: one file for both instances, no -ID; stderr to /dev/null is written nowhere.
        var merged = Path.Combine(logs, "worker.log");
        await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.Lines(merged)), l => l.Length == 2, $"two lines in {merged}");
        Assert.Equal(["out of 0", "out of 1"], LogFiles.Lines(merged).Select(LogFiles.Text).Order());
        Assert.Equal(["api-combined-" + ids[0] + ".log", "api-combined-" + ids[1] + ".log", "api-err-" + ids[0] + ".log", "api-err-" + ids[1] + ".log",
            "api-out-" + ids[0] + ".log", "api-out-" + ids[1] + ".log", "worker.log"], Directory.GetFiles(logs).Select(Path.GetFileName).Order());
        Assert.False(File.Exists(LogFiles.Path(box.Home, "worker", 0, "err")));

        // pbm logs reads where the lines went: each line once, also for the merged file.
        var shown = await box.OkAsync("logs", "--nostream", "worker", "--raw");
        Assert.Equal(["out of 0", "out of 1"], shown.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        var api = await box.OkAsync("logs", "--nostream", "api", "--raw");
        Assert.Equal(4, api.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // pbm flush empties them.
        await box.OkAsync("flush", "api");
        Assert.Empty(LogFiles.Lines(Path.Combine(logs, $"api-out-{ids[0]}.log")));
        Assert.Empty(LogFiles.Lines(Path.Combine(logs, $"api-combined-{ids[1]}.log")));
        await box.OkAsync("delete", "all");
    }

    [Fact]
    public async Task CliOptions_OneInstanceKeepsTheExactNames_BadDateFormatAndFolderAreRefused()
    {
        await using var box = new Sandbox();
        await File.WriteAllTextAsync(Path.Combine(box.Work, "talker.js"), Talker);
        var start = await box.RunInAsync(box.Work, "start", "talker.js", "-o", "out.txt", "-e", "err.txt", "-l", "all.txt");
        Assert.True(start.ExitCode == 0, start.ToString());
        await Sandbox.EventuallyAsync(() => Task.FromResult(LogFiles.Lines(Path.Combine(box.Work, "all.txt"))), l => l.Length == 2, "both lines in all.txt");
        Assert.Equal("out of 0", LogFiles.Text(Assert.Single(LogFiles.Lines(Path.Combine(box.Work, "out.txt")))));
        Assert.Equal("err of 0", LogFiles.Text(Assert.Single(LogFiles.Lines(Path.Combine(box.Work, "err.txt")))));
        var spec = (await box.ShowAsync("talker")).Spec;
        Assert.Equal(Path.Combine(box.Work, "out.txt"), spec.Logs.OutFile);

        var badFormat = await box.RunInAsync(box.Work, "start", "talker.js", "--name", "t2", "--log-date-format", "[never]");
        Assert.Equal(1, badFormat.ExitCode);
        Assert.Contains("--log-date-format '[never]': no date or time in it", badFormat.Stderr);
        var folder = await box.RunInAsync(box.Work, "start", "talker.js", "--name", "t3", "-o", box.Work);
        Assert.Equal(1, folder.ExitCode);
        Assert.Contains("a folder; give a file's path", folder.Stderr);
        Assert.Single((await box.ListAsync()).Apps);
        await box.OkAsync("delete", "talker");
    }
}
