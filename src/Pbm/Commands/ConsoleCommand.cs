using System.Text.Json;
using Pbm.Client;
using Pbm.Client.Contracts;
using Pbm.Client.Transport;

namespace Pbm.Cli.Commands;

/// <summary>
/// `pbm console`: the link that opens the web console already logged in (as Jupyter prints one). The page drops
/// the token from the address bar as soon as it has read it.
/// </summary>
internal static class ConsoleCommand
{
    public static async Task<int> RunAsync(Context c)
    {
        if (c.Args.Positionals.Count > 0) throw new Cli.UsageException($"unexpected argument '{c.Args.Positionals[0]}' for pbm console");
        string address;
        string? token;
        bool secure;
        if (c.Endpoint.IsLocal)
        {
            var ping = await c.CallAsync(cl => cl.PingAsync());
            if (ping.Api is null)
                throw new PbmException("the daemon's control API is not on TCP, where the console is served; turn it on with " +
                                       "`pbm save && pbm kill && pbm daemon --api 127.0.0.1:9110 && pbm resurrect` " +
                                       "(or PBM_API=127.0.0.1:9110 in the daemon's environment, or pbm.api.tcp in PBM_HOME/pbm.hocon)");
            var endpoint = PbmEndpoint.Tcp(ping.Api, null);
            var host = endpoint.Host is "0.0.0.0" or "::" or "[::]" or "*" ? "127.0.0.1" : endpoint.Host!;
            address = $"{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host)}:{endpoint.Port}";
            token = TokenFile.TryRead(c.Home.TokenFile);
            secure = endpoint.Secure;
        }
        else
        {
            await c.CallAsync(cl => cl.PingAsync()); // a wrong endpoint or token fails here, in words
            address = $"{c.Endpoint.Host}:{c.Endpoint.Port}";
            token = c.Endpoint.Token;
            secure = c.Endpoint.Secure;
        }
        var url = $"{(secure ? "https" : "http")}://{address}/" + (string.IsNullOrEmpty(token) ? "" : "?token=" + Uri.EscapeDataString(token));
        if (c.Json)
            Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["url"] = url }, PbmJsonContext.Indented.DictionaryStringString));
        else
            Console.Out.WriteLine($"web console: {url}");
        return 0;
    }
}
