using Pbm.Runtime.Processes;

namespace Pbm.Runtime.Tests.Processes;

public sealed class ProcStatTests
{
    [Fact]
    public void Parse_HandlesSpacesAndParenthesesInTheCommandName()
    {
        var line = "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1000000 200 18446744073709551615";
        var s = ProcStat.Parse(4242, line)!.Value;
        Assert.Equal(1, s.PPid);
        Assert.Equal(4242, s.Pgrp);
        Assert.Equal(4242, s.Session);
        Assert.Equal(987654UL, s.StartTicks);
        Assert.Equal('S', s.State);
    }

    [Fact]
    public void Read_OwnProcess_Works()
    {
        var me = ProcStat.Read(Environment.ProcessId);
        Assert.NotNull(me);
        Assert.True(me!.Value.StartTicks > 0);
    }
}
