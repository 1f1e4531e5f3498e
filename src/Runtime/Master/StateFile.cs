using System.Text.Json;
using System.Text.Json.Serialization;
using Pbm.Client.Contracts;

namespace Pbm.Runtime.Master;

/// <summary>
/// The on-disk and replicated shape of desired state and of dumps (pbm save): versioned, so later formats can
/// read it. <see cref="Revision"/> grows with every change; of two copies the higher revision wins.
/// </summary>
public sealed record StateFile(int Format, DateTimeOffset SavedAt, IReadOnlyList<StateFile.Entry> Apps, long Revision = 0)
{
    public sealed record Entry(AppSpec Spec, bool Running, AppSpec? Previous = null, Dictionary<int, string>? Placement = null);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StateFile))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
