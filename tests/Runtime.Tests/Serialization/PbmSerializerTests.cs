using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Pbm.Client.Contracts;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Logs;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Palettes;
using Pbm.Runtime.Serialization;

namespace Pbm.Runtime.Tests.Serialization;

/// <summary>
/// The wire format of cross-node messages is source-generated JSON (a native daemon cannot build reflection-based
/// converters): every message type must be in <see cref="PbmMessagesJsonContext"/>, and the bytes must stay those the
/// reflection-based serializer of earlier versions wrote, so nodes of both kinds keep understanding each other.
/// </summary>
public sealed class PbmSerializerTests : TestKit
{
    private static readonly AppSpec Spec = new()
    {
        Name = "web", Script = "/srv/app.js", Command = "node", Args = ["/srv/app.js", "--flag"], Cwd = "/srv",
        Env = new Dictionary<string, string> { ["PORT"] = "8080" }, Instances = 2, Port = 8080,
    };

    public static TheoryData<IPbmMessage> Samples() =>
    [
        new HostProtocol.ApplyApp(Spec, [0, 1], true),
        new HostProtocol.HostAssignments([new HostProtocol.ApplyApp(Spec, [2], false)]),
        new HostProtocol.InstanceOp("web", "restart", null),
        new HostProtocol.HostRollout("n1", "web", true, 2, 2, null),
        new HostProtocol.HostReport(new HostInfo("n1", "akka.tcp://pbm@127.0.0.1:4053", 2, 2, 0.5, 1000, 500, 2)),
        HostProtocol.GetHostReport.Instance,
        new MasterProtocol.Restart("web"),
        new MasterProtocol.Readiness(false, ["warn"]),
        new MasterProtocol.Failed("no such app", 404),
        MasterProtocol.KillAll.Instance,
        new PaletteProtocol.Execute("ops", "flush", new Dictionary<string, string> { ["all"] = "true" }),
        new PaletteProtocol.LocalPalettes("n1", [new PaletteDefinition("ops", "operations", [])]),
        new GatewayProtocol.Announce("n1", "akka.tcp://pbm@127.0.0.1:4053", 7, 3,
            [new GatewayProtocol.AnnouncedRoute("web", 8080, "/", null, false, [new GatewayProtocol.AnnouncedDestination("web:0", "127.0.0.1", 41000)])]),
        new LogProtocol.FlushLogs(null, 2),
    ];

    [Fact]
    public void EveryMessageType_HasSourceGeneratedMetadata()
    {
        var types = typeof(IPbmMessage).Assembly.GetTypes()
            .Where(t => typeof(IPbmMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        Assert.All(types, t => Assert.True(PbmMessagesJsonContext.Default.GetTypeInfo(t) is not null, $"{t} is missing from PbmMessagesJsonContext"));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void RoundTrips_WithTheBytesOfTheReflectionBasedFormat(IPbmMessage message)
    {
        var serializer = new PbmSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(message);
        Assert.Equal(Encoding.UTF8.GetString(Reflection(message)), Encoding.UTF8.GetString(bytes));
        var back = serializer.FromBinary(bytes, serializer.Manifest(message));
        Assert.IsType(message.GetType(), back);
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serializer.ToBinary(back)));
    }

    [Fact]
    public void ActorReferences_TravelAsTheirPath()
    {
        var serializer = new PbmSerializer((ExtendedActorSystem)Sys);
        var message = new HostProtocol.RegisterHost("n1", TestActor);
        var back = (HostProtocol.RegisterHost)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
        Assert.Equal(TestActor.Path, back.Agent.Path);
        back.Agent.Tell("hello");
        ExpectMsg("hello");
    }

    private byte[] Reflection(object message) => JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(PbmJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        Converters = { new ActorRefConverter((ExtendedActorSystem)Sys) },
    });
}
