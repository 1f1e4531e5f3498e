namespace Pbm.Client.Specs;

/// <summary>
/// A clustered host's name: <c>MACHINE@ADDRESS:PORT</c>. The machine name alone is not unique (cloned VMs are all
/// "ubuntu"; network namespaces and containers share one), nor is machine and port (two nodes on one machine on
/// different addresses, same port, collapsed into one host and took each other's instances); the cluster address
/// is what Akka itself tells nodes apart by, and the machine name keeps it readable.
/// </summary>
public static class HostNames
{
    public static string Of(string machine, string address, int port) => $"{machine}@{address}:{port}";

    /// <summary>
    /// Whether a <c>--hosts</c> pin names this host: the whole name, its <c>ADDRESS:PORT</c>, its <c>MACHINE:PORT</c>
    /// or its machine name (every node of that machine). A name without '@' (a node named in pbm.node-name) matches
    /// only itself.
    /// </summary>
    public static bool Matches(string pin, string host)
    {
        if (string.Equals(pin, host, StringComparison.Ordinal)) return true;
        var at = host.LastIndexOf('@');
        if (at <= 0) return false;
        var machine = host[..at];
        var endpoint = host[(at + 1)..];
        var colon = endpoint.LastIndexOf(':');
        var port = colon >= 0 ? endpoint[(colon + 1)..] : "";
        return string.Equals(pin, endpoint, StringComparison.Ordinal)
               || string.Equals(pin, machine, StringComparison.Ordinal)
               || string.Equals(pin, $"{machine}:{port}", StringComparison.Ordinal);
    }
}
