namespace Pbm.Runtime.Hosting;

/// <summary>
/// Gives the GC's free memory back to the system: one compacting collection after start, and again whenever the
/// GC holds much more than the live heap (after a burst: a 500-instance deploy, a log storm).
/// </summary>
/// <remarks>
/// <para>
/// Starting Akka, Kestrel and the host allocates ~30 MB of which ~6 MB stays live; the GC keeps the regions it
/// committed for that (they were written, so they stay resident) and an idle daemon never allocates enough to
/// need them again. A collection with <see cref="GCCollectionMode.Aggressive"/> compacts the heap and decommits
/// every free region: measured with 200 idle instances, anonymous memory 36 MB -> 13 MB.
/// </para>
/// <para>
/// What keeps it down afterwards is the gen0 budget: by default the GC sizes it from the CPU's cache (tens of
/// MB), and the heap grows to that before the next collection. The native daemon is built with a 4 MB gen0
/// budget (GCgen0size, Pbm.Worker.csproj; DOTNET_GCgen0size overrides it, in hex): a gen0 collection of a
/// daemon's small heap takes well under a millisecond, so collecting every 4 MB allocated costs nothing
/// measurable, and 200 idle instances then hold 17 MB of anonymous memory instead of 45.
/// </para>
/// </remarks>
public static class HeapTrim
{
    /// <summary>Committed above twice the live heap plus this is worth a collection.</summary>
    private const long Slack = 16L << 20;

    /// <summary>What a collection gave back.</summary>
    /// <param name="CommittedBefore">Bytes the GC held (committed) before.</param>
    /// <param name="CommittedAfter">Bytes it held after.</param>
    /// <param name="Live">Bytes of live objects after.</param>
    public sealed record Result(long CommittedBefore, long CommittedAfter, long Live);

    /// <summary>True when the GC holds more than twice the live heap and <see cref="Slack"/> besides.</summary>
    public static bool Worthwhile()
    {
        var info = GC.GetGCMemoryInfo();
        return info.TotalCommittedBytes > 2 * info.HeapSizeBytes + Slack;
    }

    /// <summary>A blocking, compacting collection of every generation that decommits what it frees.</summary>
    public static Result Collect()
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var after = GC.GetGCMemoryInfo();
        return new Result(before, after.TotalCommittedBytes, after.HeapSizeBytes);
    }
}
