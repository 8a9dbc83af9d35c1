using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>Self-signed certificates written to a folder: a .pfx (for Kestrel and Orleans) and PEM files (for ffmpeg).</summary>
public static class TestCertificates
{
    public const string Password = "pfx-password";

    public sealed record Files(string Pfx, string CertificatePem, string KeyPem, string Thumbprint);

    public static Files Create(string folder, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var files = new Files(
            Path.Combine(folder, name + ".pfx"), Path.Combine(folder, name + ".crt"), Path.Combine(folder, name + ".key"), certificate.Thumbprint);
        File.WriteAllBytes(files.Pfx, certificate.Export(X509ContentType.Pfx, Password));
        File.WriteAllText(files.CertificatePem, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyPem, key.ExportPkcs8PrivateKeyPem());
        return files;
    }
}
