using System.Text.Json;
using System.Text.Json.Serialization;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Master;

/// <summary>The on-disk shape of desired state and of dumps (pbm save): versioned, so later formats can read it.</summary>
public sealed record StateFile(int Format, DateTimeOffset SavedAt, IReadOnlyList<StateFile.Entry> Apps)
{
    public sealed record Entry(AppSpec Spec, bool Running, AppSpec? Previous = null);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StateFile))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
