using System.Text.Json.Serialization;
using Pbm.Runtime.Gateway;
using Pbm.Runtime.Logs;
using Pbm.Runtime.Messages;
using Pbm.Runtime.Palettes;

namespace Pbm.Runtime.Serialization;

/// <summary>
/// Source-generated JSON for every <see cref="IPbmMessage"/>: no reflection-built converters, so a native (AOT)
/// daemon serializes exactly what a JIT one does (reflection-based System.Text.Json cannot create the generic
/// converters of records like ApplyApp(AppSpec, IReadOnlyList&lt;int&gt;, bool) without a JIT). A new message type must
/// be listed here: PbmSerializerTests fails otherwise. Actor references use the runtime ActorRefConverter.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HostProtocol.RegisterHost))]
[JsonSerializable(typeof(HostProtocol.HostRegistered))]
[JsonSerializable(typeof(HostProtocol.NodeGone))]
[JsonSerializable(typeof(HostProtocol.ApplyApp))]
[JsonSerializable(typeof(HostProtocol.RemoveApp))]
[JsonSerializable(typeof(HostProtocol.InstanceOp))]
[JsonSerializable(typeof(HostProtocol.ListInstances))]
[JsonSerializable(typeof(HostProtocol.ReloadApp))]
[JsonSerializable(typeof(HostProtocol.HostRollout))]
[JsonSerializable(typeof(HostProtocol.HostAssignments))]
[JsonSerializable(typeof(HostProtocol.HostFailed))]
[JsonSerializable(typeof(HostProtocol.GetHostReport))]
[JsonSerializable(typeof(HostProtocol.HostReport))]
[JsonSerializable(typeof(HostProtocol.HostInstances))]
[JsonSerializable(typeof(HostProtocol.GatewayLoad))]
[JsonSerializable(typeof(HostProtocol.HostDone))]
[JsonSerializable(typeof(MasterProtocol.StartApp))]
[JsonSerializable(typeof(MasterProtocol.StartExisting))]
[JsonSerializable(typeof(MasterProtocol.Stop))]
[JsonSerializable(typeof(MasterProtocol.Restart))]
[JsonSerializable(typeof(MasterProtocol.Delete))]
[JsonSerializable(typeof(MasterProtocol.Scale))]
[JsonSerializable(typeof(MasterProtocol.Save))]
[JsonSerializable(typeof(MasterProtocol.Reload))]
[JsonSerializable(typeof(MasterProtocol.Deploy))]
[JsonSerializable(typeof(MasterProtocol.Rollback))]
[JsonSerializable(typeof(MasterProtocol.Disconnect))]
[JsonSerializable(typeof(MasterProtocol.ResetCounters))]
[JsonSerializable(typeof(MasterProtocol.SendSignal))]
[JsonSerializable(typeof(MasterProtocol.Resurrect))]
[JsonSerializable(typeof(MasterProtocol.KillAll))]
[JsonSerializable(typeof(MasterProtocol.GetApps))]
[JsonSerializable(typeof(MasterProtocol.GetApp))]
[JsonSerializable(typeof(MasterProtocol.GetHosts))]
[JsonSerializable(typeof(MasterProtocol.Hosts))]
[JsonSerializable(typeof(MasterProtocol.GetReadiness))]
[JsonSerializable(typeof(MasterProtocol.Readiness))]
[JsonSerializable(typeof(MasterProtocol.Failed))]
[JsonSerializable(typeof(PaletteProtocol.ListLocal))]
[JsonSerializable(typeof(PaletteProtocol.LocalPalettes))]
[JsonSerializable(typeof(PaletteProtocol.Execute))]
[JsonSerializable(typeof(PaletteProtocol.Executed))]
[JsonSerializable(typeof(GatewayProtocol.Announce))]
[JsonSerializable(typeof(GatewayProtocol.Digest))]
[JsonSerializable(typeof(GatewayProtocol.Resend))]
[JsonSerializable(typeof(GatewayProtocol.Drained))]
[JsonSerializable(typeof(LogProtocol.ReadLogs))]
[JsonSerializable(typeof(LogProtocol.LogLines))]
[JsonSerializable(typeof(LogProtocol.FlushLogs))]
[JsonSerializable(typeof(LogProtocol.LogsFlushed))]
internal sealed partial class PbmMessagesJsonContext : JsonSerializerContext;
