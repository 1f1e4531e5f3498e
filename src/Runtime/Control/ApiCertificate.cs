using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;

namespace Pbm.Runtime.Control;

/// <summary>The TCP API's TLS certificate from pbm.api.tls (PEM certificate + key, or PKCS#12), or null for plain HTTP.</summary>
internal static class ApiCertificate
{
    public static X509Certificate2? Load(Akka.Configuration.Config config)
    {
        var path = config.GetString("pbm.api.tls.certificate", "");
        if (string.IsNullOrEmpty(path)) return null;
        if (!File.Exists(path)) throw new ConfigurationException($"pbm.api.tls.certificate: no file {path}");
        var password = config.GetString("pbm.api.tls.password", "");
        var key = config.GetString("pbm.api.tls.key", "");
        try
        {
            if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
                return X509CertificateLoader.LoadPkcs12FromFile(path, password);
            var pem = X509Certificate2.CreateFromPemFile(path, string.IsNullOrEmpty(key) ? null : key);
            // Kestrel needs the private key in a persisted form on some platforms: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ConfigurationException($"pbm.api.tls: cannot load {path}: {e.Message}");
        }
    }
}
