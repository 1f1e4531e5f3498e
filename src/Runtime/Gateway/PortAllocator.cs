using System.Net;
using System.Net.Sockets;

namespace Pbm.Runtime.Gateway;

/// <summary>
/// Private ports for instances behind the gateway. Not a port the kernel picks for port 0: that comes from the
/// ephemeral range, which every outgoing connection also draws from, so between our test bind and the app's own
/// listen an outgoing socket could take it (seen: a fresh `pbm start -i 4 --port` whose instance 0 died with
/// EADDRINUSE). Instead, ports are handed out in turn below the ephemeral range (from
/// /proc/sys/net/ipv4/ip_local_port_range), each checked free by a bind first.
/// </summary>
internal static class PortAllocator
{
    private const int First = 10000;
    private static readonly int Last = EphemeralLow() - 1;
    private static int _next = First + Random.Shared.Next(Math.Max(1, Last - First));

    /// <summary>A port free on loopback, or on every address when instances listen on another than loopback.</summary>
    public static int Next(string? bind = null)
    {
        var loopback = bind is null || bind == "localhost" || (IPAddress.TryParse(bind, out var ip) && IPAddress.IsLoopback(ip));
        var address = loopback ? IPAddress.Loopback : IPAddress.Any;
        if (Last - First >= 1000)
        {
            for (var tries = 0; tries < 200; tries++)
            {
                var port = First + (int)((uint)(Interlocked.Increment(ref _next) - First) % (uint)(Last - First + 1));
                if (Free(address, port)) return port;
            }
        }
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Free(IPAddress address, int port)
    {
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLow()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return 32768;
        }
    }
}
