namespace Pbm.Client;

/// <summary>Nothing answers at the endpoint (no socket, connection refused): the CLI may start a daemon.</summary>
public sealed class DaemonUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
