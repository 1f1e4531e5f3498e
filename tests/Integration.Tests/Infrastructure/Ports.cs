using System.Net;
using System.Net.Sockets;

namespace Pbm.Integration.Tests.Infrastructure;

internal static class Ports
{
    public static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
