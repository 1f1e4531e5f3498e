using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Master;
using static Pbm.Runtime.Messages.HostProtocol;
using static Pbm.Runtime.Messages.MasterProtocol;

namespace Pbm.Runtime.Tests.Master;

/// <summary>
/// The master with a probe for DistributedData's replicator and probes for host agents: how it loads its state,
/// and that every command gets an answer, in seconds, whatever the hosts do.
/// </summary>
public sealed class MasterActorTests : TestKit, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-master-").FullName;
    private readonly PbmSettings _settings = PbmSettings.From(PbmSettings.Reference) with { CommandWait = TimeSpan.FromSeconds(1), HostGrace = TimeSpan.FromSeconds(30) };

    public MasterActorTests() : base(ClusterNode.Config)
    {
    }

    private StateStore Store => new(Path.Combine(_dir, "apps.json"));

    private static AppRecord App(string name) => new(new AppSpec { Name = name, Script = "x.js", Command = "node", Cwd = "/tmp" }, true);

    private (IActorRef Master, Akka.TestKit.TestProbe Replicator) Master(StateSnapshot? replicated = null)
    {
        var replicator = CreateTestProbe();
        var master = Sys.ActorOf(MasterActor.Props(_settings, Store, [], replicator.Ref));
        var get = replicator.ExpectMsg<Get>();
        if (replicated is null) replicator.Reply(new NotFound(ReplicatedState.Key, get.Request));
        else replicator.Reply(new GetSuccess(ReplicatedState.Key, get.Request, Register(replicated)));
        replicator.ExpectMsg<Subscribe>();
        return (master, replicator);
    }

    private LWWRegister<string> Register(StateSnapshot state) =>
        new(Cluster.Get(Sys).SelfUniqueAddress, ReplicatedState.ToJson(state), state.Revision);

    private IReadOnlyList<string> AppNames(IActorRef master)
    {
        master.Tell(GetApps.Instance);
        return ExpectMsg<ListResult>(TimeSpan.FromSeconds(3)).Apps.Select(a => a.Spec.Name).ToList();
    }

    [Fact]
    public void MajorityReadFails_StartsFromThisNodesReplica_NotFromTheFileItBootedWith()
    {
        // The file this node read when it started: long stale by the time the master moves here.
        Store.Save(new StateSnapshot(3, [App("stale")]));
        var replicator = CreateTestProbe();
        var master = Sys.ActorOf(MasterActor.Props(_settings, Store, [], replicator.Ref));

        var majority = replicator.ExpectMsg<Get>();
        Assert.IsType<ReadMajority>(majority.Consistency);
        replicator.Reply(new GetFailure(ReplicatedState.Key, majority.Request));

        var local = replicator.ExpectMsg<Get>();
        Assert.IsType<ReadLocal>(local.Consistency);
        replicator.Reply(new GetSuccess(ReplicatedState.Key, local.Request, Register(new StateSnapshot(7, [App("fresh"), App("other")]))));

        Assert.Equal(["fresh", "other"], AppNames(master));
    }

    [Fact]
    public void SaveToADirectoryOrWithNul_IsAnsweredWithWordsAtOnce_AndTheSameMasterServesOn()
    {
        var (master, replicator) = Master(new StateSnapshot(2, [App("web")]));

        master.Tell(new Save("/"));
        var directory = ExpectMsg<Failed>(TimeSpan.FromSeconds(1));
        Assert.Equal(400, directory.Status);
        Assert.Contains("is a directory", directory.Error);

        master.Tell(new Save(Path.Combine(_dir, "a\0b.json")));
        var nul = ExpectMsg<Failed>(TimeSpan.FromSeconds(1));
        Assert.Equal(400, nul.Status);
        Assert.Contains("NUL", nul.Error);

        // Under a file: the file system's own error, in words.
        master.Tell(new Save("/proc/version/dump.json"));
        var under = ExpectMsg<Failed>(TimeSpan.FromSeconds(1));
        Assert.Equal(500, under.Status);
        Assert.Contains("cannot write /proc/version/dump.json", under.Error);

        master.Tell(new Save(Path.Combine(_dir, "dump.json")));
        Assert.Equal(["web"], ExpectMsg<DumpResult>(TimeSpan.FromSeconds(1)).Apps);
        // Not restarted: a restarted master would read its state again.
        Assert.Equal(["web"], AppNames(master));
        replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    /// <summary>A host probe registered with the master, its assignments confirmed; it answers lists (with nothing) by itself.</summary>
    private Akka.TestKit.TestProbe Host(IActorRef master, string node = "h1")
    {
        var host = CreateTestProbe();
        var self = host.Ref;
        host.SetAutoPilot(new Akka.TestKit.DelegateAutoPilot((sender, message) =>
        {
            if (message is ListInstances) sender.Tell(new HostInstances(node, []), self);
            return Akka.TestKit.AutoPilot.KeepRunning;
        }));
        master.Tell(new RegisterHost(node, host.Ref), host.Ref);
        host.FishForMessage<HostRegistered>(_ => true);
        host.FishForMessage<HostAssignments>(_ => true);
        host.Reply(new HostDone(node, "*"));
        return host;
    }

    [Fact]
    public void AHostStillBusyAtCommandWait_TheCommandIsAnsweredInProgress_AndItsLaterAnswerChangesNothing()
    {
        var (master, _) = Master();
        var host = Host(master);

        master.Tell(new StartApp(App("slow").Spec));
        var apply = host.FishForMessage<ApplyApp>(_ => true);
        Assert.Equal("slow", apply.Spec.Name);
        var answer = ExpectMsg<OperationResult>(TimeSpan.FromSeconds(3));
        Assert.True(answer.InProgress);
        Assert.Contains("starting slow: not finished after 1 s (waiting for host h1)", answer.Message);

        host.Reply(new HostDone("h1", "slow"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal(["slow"], AppNames(master));
    }

    [Fact]
    public void AHostThatEndsBeforeConfirming_TheStartFailsWithWords_AndIsUndone()
    {
        var (master, _) = Master();
        var host = Host(master);

        master.Tell(new StartApp(App("doomed").Spec));
        host.FishForMessage<ApplyApp>(_ => true);
        Sys.Stop(host.Ref);
        var failed = ExpectMsg<Failed>(TimeSpan.FromSeconds(3));
        Assert.Equal(500, failed.Status);
        Assert.Contains("host h1 ended before it confirmed", failed.Error);
        AwaitAssert(() => Assert.Empty(AppNames(master)), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void AReloadLongerThanCommandWait_IsAnsweredInProgress_ThenShowsItsEndInTheRollout()
    {
        var (master, _) = Master(new StateSnapshot(1, [App("web") with { Placement = new Dictionary<int, string> { [0] = "h1" } }]));
        var host = Host(master);
        master.Tell(new Reload("web", 1));
        var reload = host.FishForMessage<ReloadApp>(_ => true, TimeSpan.FromSeconds(3));
        var rolling = host.LastSender;
        var answer = ExpectMsg<OperationResult>(TimeSpan.FromSeconds(3));
        Assert.True(answer.InProgress);
        Assert.Contains("pbm show web follows it", answer.Message);

        rolling.Tell(new HostRollout("h1", "web", true, 1, 1, null), host.Ref);
        AwaitAssert(() =>
        {
            master.Tell(new GetApp("web"));
            var rollout = ExpectMsg<AppInfo>(TimeSpan.FromSeconds(3)).Rollout!;
            Assert.Equal("done", rollout.State);
            Assert.Equal("reloaded web: 1 instance replaced, now v1", rollout.Message);
        }, TimeSpan.FromSeconds(3));
        Assert.Equal(1, reload.Parallel);
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, true);
    }
}
