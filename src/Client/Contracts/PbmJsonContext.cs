using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pbm.Client.Contracts;

/// <summary>
/// Source-generated JSON for every contract: no reflection, so the CLI starts fast and the
/// wire format is fixed by these records, not by type names.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(AppSpec))]
[JsonSerializable(typeof(AppInfo))]
[JsonSerializable(typeof(List<AppInfo>))]
[JsonSerializable(typeof(List<AppSpec>))]
[JsonSerializable(typeof(InstanceInfo))]
[JsonSerializable(typeof(List<InstanceInfo>))]
[JsonSerializable(typeof(ScaleRequest))]
[JsonSerializable(typeof(SignalRequest))]
[JsonSerializable(typeof(DumpRequest))]
[JsonSerializable(typeof(RestartRequest))]
[JsonSerializable(typeof(ReloadRequest))]
[JsonSerializable(typeof(DeployRequest))]
[JsonSerializable(typeof(RolloutInfo))]
[JsonSerializable(typeof(ClusterInfo))]
[JsonSerializable(typeof(ClusterAddressRequest))]
[JsonSerializable(typeof(HostInfo))]
[JsonSerializable(typeof(List<HostInfo>))]
[JsonSerializable(typeof(ActorTree))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(LogEntry))]
[JsonSerializable(typeof(HostStats))]
[JsonSerializable(typeof(OperationResult))]
[JsonSerializable(typeof(List<OperationResult>))]
[JsonSerializable(typeof(InstanceEnv))]
[JsonSerializable(typeof(PingResult))]
[JsonSerializable(typeof(ListResult))]
[JsonSerializable(typeof(DumpResult))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(PaletteDefinition))]
[JsonSerializable(typeof(PaletteInfo))]
[JsonSerializable(typeof(List<PaletteInfo>))]
[JsonSerializable(typeof(PaletteRequest))]
[JsonSerializable(typeof(PaletteResult))]
[JsonSerializable(typeof(PbmEvent))]
public sealed partial class PbmJsonContext : JsonSerializerContext
{
    /// <summary>The same context, indented, for files people read (state, dumps) and --json output.</summary>
    public static PbmJsonContext Indented { get; } = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
