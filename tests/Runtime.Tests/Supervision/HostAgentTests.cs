using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Runtime.Config;
using Pbm.Runtime.Processes;
using Pbm.Runtime.Supervision;
using static Pbm.Runtime.Messages.HostProtocol;

namespace Pbm.Runtime.Tests.Supervision;

public sealed class HostAgentTests : TestKit, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-host-").FullName;
    private readonly PbmSettings _settings = PbmSettings.From(PbmSettings.Reference);

    private IActorRef Host() => Sys.ActorOf(HostAgent.Props(_settings, new PbmPaths(new PbmHome(_dir)), CreateTestProbe().Ref,
        new Pbm.Runtime.Logs.LogHub(Path.Combine(_dir, "logs")), new Pbm.Runtime.Metrics.MetricsBoard(), TreeTracking.WalkProc(TimeSpan.FromSeconds(3))));

    private IReadOnlyList<InstanceInfo> List(IActorRef host) =>
        host.Ask<HostInstances>(new ListInstances(null), TimeSpan.FromSeconds(3)).Result.Instances;

    [Fact]
    public void SupervisorThatCannotBeCreated_IsStoppedNotRecreated_ItsAppErroredWithTheReason_AndRemoveAnswersAtOnce()
    {
        var host = Host();
        // A spec that skipped validation: without a restart policy the supervisor's constructor throws.
        var spec = new AppSpec { Name = "broken", Script = "sh", Command = "sh", Args = ["-c", "sleep 60"], Cwd = _dir, Restart = null! };
        EventFilter.Error(contains: "app supervisor failed").Expect(0, TimeSpan.FromSeconds(2), () =>
        {
            host.Tell(new ApplyApp(spec, [0, 1], true));
            // The start that asked is answered with the reason (its Apply went down with the supervisor).
            Assert.Contains("NullReferenceException", ExpectMsg<HostFailed>(TimeSpan.FromSeconds(5)).Error);
            AwaitAssert(() =>
            {
                var list = List(host);
                Assert.Equal(["broken:0", "broken:1"], list.Select(i => i.Id).ToArray());
                Assert.All(list, i => Assert.Equal(InstanceStatus.Errored, i.Status));
                Assert.All(list, i => Assert.Contains("NullReferenceException", i.Reason));
            }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
        });

        host.Tell(new RemoveApp("broken"));
        ExpectMsg<HostDone>(TimeSpan.FromSeconds(1));
        Assert.Empty(List(host));
    }

    [Fact]
    public void ErroredApp_AppliedAgainWithAValidSpec_Runs()
    {
        var host = Host();
        var spec = new AppSpec { Name = "fixed", Script = "sh", Command = "sh", Args = ["-c", "exec sleep 60"], Cwd = _dir, Restart = null!, KillTimeoutMs = 1000 };
        host.Tell(new ApplyApp(spec, [0], true));
        ExpectMsg<HostFailed>(TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.Equal(InstanceStatus.Errored, Assert.Single(List(host)).Status), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));

        host.Tell(new ApplyApp(spec with { Restart = new RestartPolicySpec(), Version = 2 }, [0], true));
        ExpectMsg<HostDone>(TimeSpan.FromSeconds(10));
        Assert.Equal(InstanceStatus.Online, Assert.Single(List(host)).Status);
        host.Tell(new RemoveApp("fixed"));
        ExpectMsg<HostDone>(TimeSpan.FromSeconds(10));
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, true);
    }
}
