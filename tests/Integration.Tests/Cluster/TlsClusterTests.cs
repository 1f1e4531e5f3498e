using System.Diagnostics;
using Pbm.Integration.Tests.Infrastructure;

namespace Pbm.Integration.Tests.Cluster;

/// <summary>
/// The README's recipe for Akka.Remote over TLS, run as written: a private CA, one certificate per node signed by
/// it (PKCS#12), <c>enable-ssl</c> with validation and Akka's default mutual authentication, the CA trusted through
/// OpenSSL's SSL_CERT_FILE. A cluster forms and works over it; a node without TLS, and a node whose certificate
/// another CA signed, are kept out.
/// </summary>
public sealed class TlsClusterTests
{
    [Fact]
    public async Task NodesOverTls_FormAWorkingCluster_AndKeepOutPlaintextAndForeignCertificates()
    {
        var dir = Directory.CreateTempSubdirectory("pbm-tls-cluster-").FullName;
        try
        {
            var (ca, node) = await CertificatesAsync(dir, "pbm-test");
            var (_, foreign) = await CertificatesAsync(dir, "other");
            void Tls(Sandbox box, string pfx)
            {
                File.WriteAllText(Path.Combine(box.Home, "pbm.hocon"), $$"""
                    akka.remote.dot-netty.tcp {
                      enable-ssl = true
                      ssl {
                        suppress-validation = false
                        certificate { path = "{{pfx}}", password = "secret", use-thumbprint-over-file = false }
                      }
                    }
                    """);
                box.Env["SSL_CERT_FILE"] = ca;
            }

            await using var cluster = await TestCluster.StartAsync(2, prepare: box => Tls(box, node));
            var (w2, w2Port) = cluster.Workers[1];
            var w2Node = TestCluster.NodeName(w2Port);
            await cluster.RemoteAsync("start", Repo.App("idle.js"), "--name", "far", "--hosts", w2Node);
            var far = await Sandbox.EventuallyAsync(() => cluster.InstancesAsync("far"),
                l => l.Count == 1 && l[0].Status == "online", "far:0 online on the second worker", TimeSpan.FromSeconds(20));
            Assert.Equal(w2Node, far[0].Host);
            Assert.True(ProcessTable.Alive(far[0].Pid!.Value), "the instance the TLS cluster reports runs");

            // Without TLS, and with a certificate the cluster's CA did not sign: neither joins.
            await using var plain = new Sandbox();
            await using var stranger = new Sandbox();
            Tls(stranger, foreign);
            var plainJoin = plain.RunAsync(TimeSpan.FromSeconds(60), "daemon", "--seeds", $"127.0.0.1:{cluster.SeedPort}", "--cluster-port", Ports.Free().ToString());
            var strangerJoin = stranger.RunAsync(TimeSpan.FromSeconds(60), "daemon", "--seeds", $"127.0.0.1:{cluster.SeedPort}", "--cluster-port", Ports.Free().ToString());
            var results = await Task.WhenAll(plainJoin, strangerJoin);
            Assert.All(results, r => Assert.NotEqual(0, r.ExitCode));
            // Each says it runs and keeps trying, where to read why, and how to stop it ("did not answer" misled).
            Assert.Matches(@"the daemon \(pid \d+\) runs but is not ready after 30 s .*pbm\.log.*pbm kill", results[0].Stderr);
            var members = await cluster.MembersAsync();
            Assert.Equal(3, members.Count); // the lighthouse and the two workers
            Assert.Equal(2, (await cluster.HostsAsync()).Count);
            // A node that never joined still stops at once when told to.
            var killed = await plain.RunAsync(TimeSpan.FromSeconds(20), "kill");
            Assert.True(killed.ExitCode == 0, killed.ToString());
            Assert.Contains("not a member", killed.Stdout);
            await cluster.RemoteAsync("delete", "far");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// A node with TLS on whose seed speaks plain TCP: Akka.Remote stops a node whose outbound handshake fails (exit
    /// 79). `pbm daemon` says so as soon as the daemon has gone, in words that name TLS, instead of waiting out its
    /// 30 s and quoting "Remoting shut down".
    /// </summary>
    [Fact]
    public async Task TlsNode_WithAPlaintextSeed_StopsAndSaysWhy()
    {
        var dir = Directory.CreateTempSubdirectory("pbm-tls-plainseed-").FullName;
        try
        {
            var (ca, node) = await CertificatesAsync(dir, "pbm-test");
            await using var cluster = await TestCluster.StartAsync(0);
            await using var box = new Sandbox();
            File.WriteAllText(Path.Combine(box.Home, "pbm.hocon"), $$"""
                akka.remote.dot-netty.tcp {
                  enable-ssl = true
                  ssl { suppress-validation = false, certificate { path = "{{node}}", password = "secret", use-thumbprint-over-file = false } }
                }
                """);
            box.Env["SSL_CERT_FILE"] = ca;
            var watch = Stopwatch.StartNew();
            var result = await box.RunAsync(TimeSpan.FromSeconds(90), "daemon", "--seeds", $"127.0.0.1:{cluster.SeedPort}", "--cluster-port", Ports.Free().ToString());
            Assert.True(result.ExitCode != 0, result.ToString());
            Assert.Contains("the daemon stopped while starting", result.Stderr);
            Assert.Contains("TLS handshake with a cluster peer failed", result.Stderr);
            Assert.False(DaemonRuns(box), "the daemon is gone");
            Assert.Contains("TLS handshake with a cluster peer failed", await File.ReadAllTextAsync(Path.Combine(box.Home, "pbm.log")));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"answered after {watch.Elapsed.TotalSeconds:0} s");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static bool DaemonRuns(Sandbox box) =>
        File.Exists(Path.Combine(box.Home, "daemon.pid")) && ProcessTable.Alive(int.Parse(File.ReadAllText(Path.Combine(box.Home, "daemon.pid")).Trim()));

    /// <summary>A CA (PEM) and a node certificate it signed, with its key, as PKCS#12 (password "secret").</summary>
    private static async Task<(string Ca, string Pfx)> CertificatesAsync(string dir, string name)
    {
        var ca = Path.Combine(dir, $"{name}-ca.pem");
        var caKey = Path.Combine(dir, $"{name}-ca.key");
        var key = Path.Combine(dir, $"{name}-node.key");
        var csr = Path.Combine(dir, $"{name}-node.csr");
        var cert = Path.Combine(dir, $"{name}-node.pem");
        var ext = Path.Combine(dir, $"{name}-node.ext");
        var pfx = Path.Combine(dir, $"{name}-node.pfx");
        await File.WriteAllTextAsync(ext, "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
        await OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={name} CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", caKey, "-out", ca);
        await OpenSslAsync("req", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={name} node", "-keyout", key, "-out", csr);
        await OpenSslAsync("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert);
        await OpenSslAsync("pkcs12", "-export", "-in", cert, "-inkey", key, "-out", pfx, "-passout", "pass:secret");
        return (ca, pfx);
    }

    private static async Task OpenSslAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("openssl", args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"openssl {string.Join(' ', args)}: {await err}");
    }
}
