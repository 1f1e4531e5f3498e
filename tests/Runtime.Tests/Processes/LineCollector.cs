using System.Collections.Concurrent;
using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

/// <summary>A child's output lines, kept in order, stdout lines also handed out one by one as they come.</summary>
internal sealed class LineCollector : ILineSink
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _outLines = new(0);
    private int _taken;

    public ConcurrentQueue<string> Out { get; } = new();
    public ConcurrentQueue<string> Err { get; } = new();

    public ValueTask LineAsync(bool isError, string line)
    {
        (isError ? Err : Out).Enqueue(line);
        if (!isError) _outLines.Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>The next stdout line not yet taken, in order.</summary>
    public async Task<string> NextOutAsync()
    {
        Assert.True(await _outLines.WaitAsync(Limit), "no output line in time");
        return Out.ElementAt(_taken++);
    }
}
