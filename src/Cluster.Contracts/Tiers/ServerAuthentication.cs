using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cluster.Contracts.Tiers;

/// <summary>
/// Proves a server-to-server request comes from a holder of the deployment's shared key without sending the key:
/// <c>Authorization: Cluster-HMAC {unix seconds}:{hex HMAC-SHA256(key, "{unix seconds}\n{METHOD}\n{path}")}</c>.
/// A signature is accepted for five minutes either side of the receiver's clock.
/// </summary>
public static class ServerAuthentication
{
    /// <summary>The authorization scheme.</summary>
    public const string Scheme = "Cluster-HMAC";

    /// <summary>How far apart the signer's and the receiver's clocks may be.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    /// <summary>The Authorization header value for a request.</summary>
    public static string Sign(string key, string method, string path, DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{Scheme} {seconds}:{Convert.ToHexStringLower(Mac(key, seconds, method, path))}";
    }

    /// <summary>Null when <paramref name="authorization"/> is a valid signature of the request; otherwise why not.</summary>
    public static string? Verify(string key, string? authorization, string method, string path, DateTimeOffset now)
    {
        if (authorization is null || !authorization.StartsWith(Scheme + " ", StringComparison.Ordinal))
        {
            return $"A server connection needs an 'Authorization: {Scheme} ...' header made with the shared key.";
        }

        var value = authorization.AsSpan(Scheme.Length + 1);
        var colon = value.IndexOf(':');
        if (colon <= 0 || !long.TryParse(value[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "The Cluster-HMAC header is malformed.";
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > MaxSkew.TotalSeconds)
        {
            return "The Cluster-HMAC signature is too old or from a clock too far off.";
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(value[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return "The Cluster-HMAC header is malformed.";
        }

        var expected = Mac(key, value[..colon].ToString(), method, path);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? null : "The Cluster-HMAC signature does not match the shared key.";
    }

    private static byte[] Mac(string key, string seconds, string method, string path) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{seconds}\n{method.ToUpperInvariant()}\n{path}"));
}
