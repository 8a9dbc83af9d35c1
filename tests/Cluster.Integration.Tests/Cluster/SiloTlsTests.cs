using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cluster.Integration.Tests.Infrastructure;
using Cluster.Testing;

namespace Cluster.Integration.Tests.Cluster;

/// <summary>Orleans connections over TLS (Cluster:Silo:Tls): a gateway-only node with the deployment's certificate joins; one with another does not.</summary>
public sealed class SiloTlsTests : IDisposable
{
    private static readonly byte[] Capture = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "three-tracks.ismv"));
    private readonly TemporaryFolder _certificates = new("cluster-tls-");

    [Fact]
    public async Task GatewayNode_WithTheClustersCertificate_PushesAndPlaysThroughTheSilo()
    {
        var certificate = CreateCertificate("cluster");
        var (siloPort, gatewayPort) = TestSilo.TwoFreePorts();
        await using var silo = await InProcessSilo.StartAsync(Tls(certificate, $"--Cluster:Silo:Endpoint=127.0.0.1:{siloPort}", $"--Cluster:Silo:GatewayPort={gatewayPort}"));
        await using var gateway = await InProcessSilo.StartAsync(Tls(certificate, "--Cluster:Silo:Enabled=false", $"--Cluster:Silo:GatewayPort={gatewayPort}"));

        using var push = await gateway.Http.PostAsync("live/tls.isml/Streams(s1)", new ByteArrayContent(Capture));

        push.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await SmoothManifest.TryGetAsync(silo.Http, "live/tls.isml/Manifest")).ShouldNotBeNull().Single("video").Fragments.Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("cluster", true)]
    [InlineData("intruder", false)]
    [InlineData(null, false)]
    public async Task GatewayPort_TlsHandshake_SucceedsOnlyWithAnAllowedCertificate(string? client, bool succeeds)
    {
        // A raw TLS client on the silo's gateway port: what an Orleans client with that certificate (or none) meets
        // before any Orleans message is read (an Orleans client itself retries for minutes before it gives up).
        var cluster = CreateCertificate("cluster");
        var (siloPort, gatewayPort) = TestSilo.TwoFreePorts();
        await using var silo = await InProcessSilo.StartAsync(Tls(cluster, $"--Cluster:Silo:Endpoint=127.0.0.1:{siloPort}", $"--Cluster:Silo:GatewayPort={gatewayPort}"));
        using var certificate = client is null ? null
            : X509CertificateLoader.LoadPkcs12FromFile(client == "cluster" ? cluster.Path : CreateCertificate(client).Path, "pfx-password");

        var handshake = await HandshakeAsync(gatewayPort, certificate);

        handshake.ShouldBe(succeeds);
    }

    private static async Task<bool> HandshakeAsync(int port, X509Certificate2? certificate)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        try
        {
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "cluster",
                ClientCertificates = certificate is null ? null : [certificate],
            });

            // TLS 1.3 reports a refused client certificate only on the first read after the handshake.
            var buffer = new byte[1];
            // Long enough for a loaded machine to have closed a refused connection.
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                return await tls.ReadAsync(buffer, read.Token) > 0; // closed (0): the silo refused us after the handshake
            }
            catch (OperationCanceledException)
            {
                return true; // still connected: the silo accepted us and waits for Orleans' preamble
            }
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            return false;
        }
    }

    public void Dispose() => _certificates.Dispose();

    private static string[] Tls((string Path, string Password) certificate, params string[] settings) =>
        [.. settings, $"--Cluster:Silo:Tls:CertificatePath={certificate.Path}", $"--Cluster:Silo:Tls:CertificatePassword={certificate.Password}"];

    private (string Path, string Password) CreateCertificate(string name) =>
        (TestCertificates.Create(_certificates.Path, name).Pfx, TestCertificates.Password);
}
