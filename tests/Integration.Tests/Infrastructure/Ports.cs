using System.Net;
using System.Net.Sockets;

namespace Pbm.Integration.Tests.Infrastructure;

/// <summary>
/// Ports for tests to hand to pbm (public gateway ports, API ports, cluster ports). Not the kernel's port-0 pick:
/// that comes from the ephemeral range every outgoing connection draws from, so between this check and pbm's own
/// bind another test's connection could take it ("Address already in use", seen on CI). Ports are handed out in turn
/// from 5000-9999 (below pbm's private instance ports, which start at 10000), starting at a random place per test
/// process, each checked free on every address first.
/// </summary>
internal static class Ports
{
    private const int First = 5000;
    private const int Count = 5000;
    private static int _next = Random.Shared.Next(Count);

    public static int Free()
    {
        for (var tries = 0; tries < Count; tries++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free port in {First}-{First + Count - 1}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var any = new TcpListener(IPAddress.Any, port);
            any.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
