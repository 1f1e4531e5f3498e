using System.Net;
using System.Net.Sockets;

namespace Pbm.Runtime.Gateway;

/// <summary>Private ports for instances behind the gateway: a free loopback port, asked of the kernel.</summary>
internal static class PortAllocator
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
