using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cluster.Integration.Tests.Infrastructure;
using Cluster.Testing;

namespace Cluster.Integration.Tests.Security;

/// <summary>Publishing with a TLS client certificate (DASH-IF ingest's alternative to Basic) over an HTTPS endpoint, with ffmpeg.</summary>
public sealed class PublishClientCertificateTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("cluster-client-cert-");

    [Fact]
    public async Task Push_WithAnAllowedClientCertificate_Publishes_WithoutOne_Answers401()
    {
        var server = TestCertificates.Create(_folder.Path, "localhost");
        var encoder = TestCertificates.Create(_folder.Path, "encoder");
        var stranger = TestCertificates.Create(_folder.Path, "stranger");
        await using var silo = await InProcessSilo.StartAsync(
            "--urls", "https://127.0.0.1:0",
            $"--Kestrel:Certificates:Default:Path={server.Pfx}", $"--Kestrel:Certificates:Default:Password={TestCertificates.Password}",
            "--Cluster:Security:Publish:Rules:0:PathPrefix=certs",
            $"--Cluster:Security:Publish:Rules:0:ClientCertificateThumbprints:0={encoder.Thumbprint}");
        using var withEncoder = Client(silo, encoder);
        using var withStranger = Client(silo, stranger);
        using var without = Client(silo, null);

        using var allowed = await withEncoder.PostAsync("certs/a.isml/Streams(v)", new ByteArrayContent([]));
        using var refused = await withStranger.PostAsync("certs/a.isml/Streams(v)", new ByteArrayContent([]));
        using var anonymous = await without.PostAsync("certs/a.isml/Streams(v)", new ByteArrayContent([]));

        allowed.StatusCode.ShouldBe(HttpStatusCode.OK);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        string log;
        var tls = $"-tls_verify 0 -cert_file \"{encoder.CertificatePem}\" -key_file \"{encoder.KeyPem}\"";
        // In real time, as an encoder pushes: ffmpeg closes its TLS socket with the server's session ticket unread, so the
        // kernel resets the connection and what was still in flight at the very end is lost (plain HTTP has no ticket).
        await using (var ffmpeg = Ffmpeg.Start($"{Ffmpeg.TestPattern(realTime: true, seconds: 8)} -map 0:v {Ffmpeg.H264(300)} {tls} {Ffmpeg.SmoothOutput(silo.Url("certs/event1.isml/Streams(video)"))}"))
        {
            (await ffmpeg.WaitAsync(TimeSpan.FromSeconds(90))).ShouldBe(0, ffmpeg.Log);
            log = ffmpeg.Log;
        }

        (await SmoothManifest.TryGetAsync(without, "certs/event1.isml/Manifest")).ShouldNotBeNull(log + string.Join('\n', silo.Warnings.Lines)).Single("video").Fragments.Count.ShouldBeGreaterThanOrEqualTo(2);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>An HTTPS client trusting the test server's certificate, presenting <paramref name="certificate"/> when given.</summary>
    private static HttpClient Client(InProcessSilo silo, TestCertificates.Files? certificate)
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        if (certificate is not null)
        {
            handler.ClientCertificates.Add(X509CertificateLoader.LoadPkcs12FromFile(certificate.Pfx, TestCertificates.Password));
        }

        return new HttpClient(handler) { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(30) };
    }
}
