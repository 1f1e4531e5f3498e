using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Pbm.Client.Contracts;
using Pbm.Runtime.Messages;

namespace Pbm.Runtime.Serialization;

/// <summary>
/// The wire format of every message that crosses nodes: JSON of the message record, tagged with a manifest
/// pbm controls ("HostProtocol.ApplyApp"), never a CLR type name, so nodes of neighbouring versions
/// understand each other as long as the records only gain optional fields.
/// Bound in reference.conf to <see cref="IPbmMessage"/> and the contract replies.
/// </summary>
public sealed class PbmSerializer : SerializerWithStringManifest
{
    private static readonly Type[] Contracts = [typeof(ListResult), typeof(AppInfo), typeof(OperationResult), typeof(DumpResult), typeof(PingResult)];
    private readonly FrozenDictionary<Type, string> _manifests;
    private readonly FrozenDictionary<string, Type> _types;
    private readonly JsonSerializerOptions _options;

    public PbmSerializer(ExtendedActorSystem system) : base(system)
    {
        var types = typeof(IPbmMessage).Assembly.GetTypes()
            .Where(t => typeof(IPbmMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .Concat(Contracts)
            .ToList();
        _manifests = types.ToFrozenDictionary(t => t, ManifestOf);
        _types = types.ToFrozenDictionary(ManifestOf, t => t);
        _options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Source-generated only (no reflection fallback): a native daemon could not build the converters.
            TypeInfoResolver = JsonTypeInfoResolver.Combine(PbmJsonContext.Default, PbmMessagesJsonContext.Default),
            Converters = { new ActorRefConverter(system) },
        };
    }

    public override int Identifier => 4711;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        _types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, _options) ?? throw new SerializationException($"empty {manifest}")
            : throw new SerializationException($"unknown pbm message '{manifest}' (a newer node?)");

    public override string Manifest(object o) =>
        _manifests.TryGetValue(o.GetType(), out var m) ? m : throw new SerializationException($"{o.GetType()} is not a pbm message");

    private static string ManifestOf(Type t) => t.DeclaringType is { } outer ? $"{outer.Name}.{t.Name}" : t.Name;
}
