using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Cluster.Grains.Clustering;

/// <summary>
/// TLS between silos and from gateway-only nodes to silos (configuration section <see cref="SectionName"/>), through
/// Orleans' <c>Microsoft.Orleans.Connections.Security</c>. Off unless <see cref="CertificatePath"/> is given; then every
/// Orleans connection is TLS in both directions and each side must present a certificate whose thumbprint is allowed.
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:Silo:Tls";

    /// <summary>This node's certificate with its private key, a PKCS#12 (.pfx) file. Default none: no TLS.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The .pfx file's password. Default none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// SHA-1 thumbprints (hex) of the certificates peers may present. Default: this node's own, which suits one
    /// certificate shared by every node of a deployment (self-signed is fine: trust comes from the thumbprint).
    /// </summary>
    public List<string> AllowedThumbprints { get; set; } = [];

    /// <summary>The certificate and the validation rule, or null when TLS is off.</summary>
    /// <exception cref="InvalidOperationException">The certificate cannot be read or has no private key.</exception>
    internal (X509Certificate2 Certificate, Action<TlsOptions> Configure)? Resolve()
    {
        if (string.IsNullOrWhiteSpace(CertificatePath))
        {
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, CertificatePassword);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(CertificatePath)}: {CertificatePath} cannot be read as a PKCS#12 certificate ({e.Message}).", e);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"{SectionName}:{nameof(CertificatePath)}: {CertificatePath} holds no private key.");
        }

        var allowed = new HashSet<string>(AllowedThumbprints.Count > 0 ? AllowedThumbprints : [certificate.Thumbprint], StringComparer.OrdinalIgnoreCase);
        return (certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = (remote, _, _) => remote is not null && allowed.Contains(remote.Thumbprint);
        });
    }
}
