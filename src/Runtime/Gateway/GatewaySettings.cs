namespace Pbm.Runtime.Gateway;

/// <summary>pbm.gateway.* settings (see reference.conf).</summary>
public sealed record GatewaySettings(string Bind, TimeSpan RequestTimeout, long MaxBodyBytes, TimeSpan ConnectTimeout)
{
    public static GatewaySettings From(Akka.Configuration.Config config)
    {
        var c = config.GetConfig("pbm.gateway");
        return new GatewaySettings(
            c.GetString("bind", "0.0.0.0"),
            c.GetTimeSpan("request-timeout", TimeSpan.FromSeconds(100)),
            c.GetByteSize("max-body-size") ?? 100L * 1024 * 1024,
            c.GetTimeSpan("connect-timeout", TimeSpan.FromSeconds(2)));
    }
}
