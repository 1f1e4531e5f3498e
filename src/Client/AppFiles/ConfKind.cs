namespace Pbm.Client.AppFiles;

/// <summary>What a value of an app file is.</summary>
public enum ConfKind
{
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}
