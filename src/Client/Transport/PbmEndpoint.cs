namespace Pbm.Client.Transport;

/// <summary>Where the control API is: the local Unix socket, or HOST:PORT over TCP with a token.</summary>
public sealed record PbmEndpoint
{
    private PbmEndpoint() { }

    public string? SocketPath { get; private init; }
    public string? Host { get; private init; }
    public int Port { get; private init; }
    public string? Token { get; private init; }

    /// <summary>True for https://HOST:PORT: the API is reached over TLS.</summary>
    public bool Secure { get; private init; }

    public bool IsLocal => SocketPath is not null;

    public static PbmEndpoint Local(string socketPath) => new() { SocketPath = socketPath };

    /// <summary>Parses HOST:PORT (port 9110 when omitted).</summary>
    public static PbmEndpoint Tcp(string hostPort, string? token)
    {
        var text = hostPort.Trim();
        var secure = false;
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) text = text[7..];
        else if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            text = text[8..];
            secure = true;
        }
        text = text.TrimEnd('/');
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : text;
        var port = 9110;
        if (colon > 0 && (!int.TryParse(text[(colon + 1)..], out port) || port is <= 0 or > 65535))
            throw new PbmException($"invalid endpoint '{hostPort}': expected HOST:PORT");
        if (host.Length == 0) throw new PbmException($"invalid endpoint '{hostPort}': expected HOST:PORT");
        return new PbmEndpoint { Host = host, Port = port, Token = token, Secure = secure };
    }

    public override string ToString() => IsLocal ? $"unix:{SocketPath}" : Secure ? $"https://{Host}:{Port}" : $"{Host}:{Port}";
}
