using System.Net;
using System.Net.Sockets;

namespace Pbm.Runtime.Gateway;

/// <summary>Private ports for instances behind the gateway: a free port, asked of the kernel.</summary>
internal static class PortAllocator
{
    /// <summary>A port free on loopback, or on every address when instances listen on another than loopback.</summary>
    public static int Next(string? bind = null)
    {
        var loopback = bind is null || bind == "localhost" || (IPAddress.TryParse(bind, out var ip) && IPAddress.IsLoopback(ip));
        using var listener = new TcpListener(loopback ? IPAddress.Loopback : IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
