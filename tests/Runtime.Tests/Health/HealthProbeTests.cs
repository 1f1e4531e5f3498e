using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pbm.Client.Contracts;
using Pbm.Runtime.Health;
using static Pbm.Runtime.Messages.WorkerProtocol;

namespace Pbm.Runtime.Tests.Health;

/// <summary>The probe with real checks (a real listening socket, real shell commands), its parent a TestKit probe.</summary>
public sealed class HealthProbeTests : TestKit
{
    private static readonly IReadOnlyDictionary<string, string> Env = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" };

    private IActorRef Probe(HealthCheckSpec spec, int? port = null)
    {
        var target = new HealthCheck.Target(spec, "127.0.0.1", port, "/", Env, null);
        var test = TestActor;
        return ChildActorOf(Props.Create(() => new ProbeParent(target, test)));
    }

    /// <summary>Creates the probe as its child and forwards what the probe tells it to the test.</summary>
    private sealed class ProbeParent : ReceiveActor
    {
        public ProbeParent(HealthCheck.Target target, IActorRef test)
        {
            Context.ActorOf(HealthProbe.Props(target));
            ReceiveAny(m => test.Forward(m));
        }
    }

    [Fact]
    public void FailingExecCheck_ReportsEachFailure_ThenFailsAtTheLimit_AndChecksNoMore()
    {
        Probe(new HealthCheckSpec { Check = "exec:echo broken >&2; exit 4", IntervalMs = 100, Failures = 3 });
        var first = ExpectMsg<HealthFailing>(TimeSpan.FromSeconds(5));
        Assert.Equal((1, 3), (first.InARow, first.Limit));
        Assert.Equal("exec 'echo broken >&2; exit 4' exited with code 4: broken", first.Failure);
        Assert.Equal(2, ExpectMsg<HealthFailing>(TimeSpan.FromSeconds(5)).InARow);
        Assert.Equal("exec 'echo broken >&2; exit 4' exited with code 4: broken, 3 checks in a row", ExpectMsg<HealthFailed>(TimeSpan.FromSeconds(5)).Reason);
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void PassingChecks_SayNothing()
    {
        Probe(new HealthCheckSpec { Check = "exec:true", IntervalMs = 100 });
        ExpectNoMsg(TimeSpan.FromMilliseconds(700));
    }

    [Fact]
    public void ExecCheckOverItsTimeout_FailsAsTimedOut()
    {
        Probe(new HealthCheckSpec { Check = "exec:sleep 5", IntervalMs = 100, TimeoutMs = 200, Failures = 5 });
        Assert.Equal("exec 'sleep 5' timed out after 200 ms", ExpectMsg<HealthFailing>(TimeSpan.FromSeconds(5)).Failure);
    }

    [Fact]
    public void HttpCheckOnAPortThatAcceptsButNeverAnswers_TimesOut_ThenRecoversWhenItAnswers()
    {
        // A listener nobody accepts from: the kernel completes connections, nothing answers (a hung app).
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Probe(new HealthCheckSpec { Check = "http:/healthz", IntervalMs = 100, TimeoutMs = 200, Failures = 50 }, port);
        Assert.Equal("GET /healthz timed out after 200 ms", ExpectMsg<HealthFailing>(TimeSpan.FromSeconds(5)).Failure);

        using var cts = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(cts.Token);
                try
                {
                    // Connections the probe gave up on are queued first: writing to them may fail.
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    if (await stream.ReadAsync(buffer, cts.Token) == 0) continue;
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), cts.Token);
                }
                catch (IOException)
                {
                }
            }
        });
        FishForMessage(m => m is HealthRecovered, TimeSpan.FromSeconds(10));
        cts.Cancel();
        listener.Stop();
    }
}
