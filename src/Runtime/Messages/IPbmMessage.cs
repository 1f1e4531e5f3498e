namespace Pbm.Runtime.Messages;

/// <summary>Marks a message that may cross nodes: serialized by <see cref="Serialization.PbmSerializer"/> (JSON, stable manifests).</summary>
public interface IPbmMessage;
