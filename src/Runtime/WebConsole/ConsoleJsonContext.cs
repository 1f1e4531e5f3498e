using System.Text.Json.Serialization;

namespace Pbm.Runtime.WebConsole;

/// <summary>Source-generated JSON for the console's own contracts (same conventions as PbmJsonContext).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConsoleSnapshot))]
[JsonSerializable(typeof(ConsoleStartRequest))]
[JsonSerializable(typeof(ConsoleDeployRequest))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;
