using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cluster.Contracts.Tiers;

/// <summary>
/// Proves a server-to-server request comes from a holder of the deployment's cluster key without sending the key:
/// <c>Authorization: Cluster-HMAC {unix seconds}.{nonce}:{hex HMAC-SHA256(key, "{unix seconds}.{nonce}\n{METHOD}\n{path}")}</c>,
/// the nonce 16 random hex digits, all hex in lower case, so two requests never carry the same signature and a receiver can refuse one it has
/// already seen (the gateway's <c>ServerSignatures</c> does). A signature is accepted for five minutes either side of the
/// receiver's clock.
/// </summary>
public static class ServerAuthentication
{
    /// <summary>The authorization scheme.</summary>
    public const string Scheme = "Cluster-HMAC";

    /// <summary>How far apart the signer's and the receiver's clocks may be.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    private const int NonceLength = 16;

    /// <summary>The Authorization header value for a request.</summary>
    public static string Sign(string key, string method, string path, DateTimeOffset now)
    {
        var stamp = string.Create(CultureInfo.InvariantCulture, $"{now.ToUnixTimeSeconds()}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(NonceLength / 2))}");
        return $"{Scheme} {stamp}:{Convert.ToHexStringLower(Mac(key, stamp, method, path))}";
    }

    /// <summary>Null when <paramref name="authorization"/> is a valid signature of the request; otherwise why not.</summary>
    public static string? Verify(string key, string? authorization, string method, string path, DateTimeOffset now) =>
        Verify(key, authorization, method, path, now, out _);

    /// <summary>As <see cref="Verify(string, string?, string, string, DateTimeOffset)"/>; <paramref name="signedAt"/> is the signature's time.</summary>
    public static string? Verify(string key, string? authorization, string method, string path, DateTimeOffset now, out DateTimeOffset signedAt)
    {
        signedAt = default;
        if (authorization is null || !authorization.StartsWith(Scheme + " ", StringComparison.Ordinal))
        {
            return $"A server connection needs an 'Authorization: {Scheme} ...' header made with the cluster key.";
        }

        var value = authorization.AsSpan(Scheme.Length + 1);
        var colon = value.IndexOf(':');
        var stamp = colon > 0 ? value[..colon] : default;
        var dot = stamp.IndexOf('.');
        if (dot <= 0 || stamp.Length - dot - 1 != NonceLength || !IsHex(stamp[(dot + 1)..])
            || !long.TryParse(stamp[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "The Cluster-HMAC header is malformed (Cluster-HMAC {seconds}.{nonce}:{signature}).";
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > MaxSkew.TotalSeconds)
        {
            return "The Cluster-HMAC signature is too old or from a clock too far off.";
        }

        var hex = value[(colon + 1)..];
        if (hex.Length != 64 || !IsHex(hex))
        {
            return "The Cluster-HMAC header is malformed (Cluster-HMAC {seconds}.{nonce}:{signature}).";
        }

        var expected = Mac(key, stamp.ToString(), method, path);
        if (!CryptographicOperations.FixedTimeEquals(Convert.FromHexString(hex), expected))
        {
            return "The Cluster-HMAC signature does not match the cluster key.";
        }

        signedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return null;
    }

    /// <summary>The <c>{seconds}.{nonce}</c> part of a header <see cref="Verify(string, string?, string, string, DateTimeOffset)"/> accepted: what makes it unique.</summary>
    public static string StampOf(string authorization) => authorization[(Scheme.Length + 1)..authorization.IndexOf(':', StringComparison.Ordinal)];

    /// <summary>Lower-case hex only: one spelling per value, so a signature cannot be made "new" by changing its case.</summary>
    private static bool IsHex(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExcept("0123456789abcdef");

    private static byte[] Mac(string key, string stamp, string method, string path) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{stamp}\n{method.ToUpperInvariant()}\n{path}"));
}
