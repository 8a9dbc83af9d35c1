using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cluster.Gateway.Security;

/// <summary>
/// Signed playback tokens, as a CMS or CDN makes them: <c>{key id}.{expiry, unix seconds}.{path prefix}.{client address}.{signature}</c>,
/// the prefix and address base64url-encoded (the address may be empty: any viewer), the signature the base64url
/// HMAC-SHA256, under the key's secret, of <c>"{key id}\n{expiry}\n{path prefix}\n{client address}"</c>. Every part
/// is URL- and XML-safe, so the token is carried as it is in the <c>token</c> query parameter of every URL.
/// </summary>
public static class PlaybackToken
{
    /// <summary>The query parameter players carry the token in.</summary>
    public const string QueryParameter = "token";

    /// <summary>Longest token read; a longer one is refused before it is decoded.</summary>
    public const int MaxLength = 1024;

    /// <summary>Makes a token for playback of points under <paramref name="pathPrefix"/> until <paramref name="expires"/>.</summary>
    public static string Create(string keyId, string secret, string pathPrefix, DateTimeOffset expires, string? clientAddress = null)
    {
        var expiry = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var prefix = pathPrefix.Trim('/');
        var address = clientAddress ?? "";
        var signature = Sign(secret, keyId, expiry, prefix, address);
        return string.Join('.', keyId, expiry, Base64Url(prefix), Base64Url(address), Convert.ToBase64String(signature).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
    }

    /// <summary>Null when <paramref name="token"/> allows playing <paramref name="pointPath"/> from <paramref name="clientAddress"/> now; otherwise why not.</summary>
    public static string? Verify(string? token, IReadOnlyList<PlaybackKey> keys, string pointPath, string? clientAddress, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token))
        {
            return "This stream needs a playback token (?token=...).";
        }

        var parts = token.Length <= MaxLength ? token.Split('.') : [];
        if (parts.Length != 5
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || FromBase64Url(parts[2]) is not { } prefix
            || FromBase64Url(parts[3]) is not { } address
            || FromBase64UrlBytes(parts[4]) is not { Length: 32 } given)
        {
            return "The playback token is malformed.";
        }

        if (keys.FirstOrDefault(k => k.Id == parts[0]) is not { Secret: { } secret })
        {
            return "The playback token names a key this node does not have.";
        }

        if (!CryptographicOperations.FixedTimeEquals(given, Sign(secret, parts[0], parts[1], prefix, address)))
        {
            return "The playback token's signature does not match.";
        }

        return expiry < now.ToUnixTimeSeconds() ? "The playback token has expired."
            : !PathPrefix.Covers(prefix, pointPath, StringComparison.Ordinal) ? "The playback token is for another path."
            : address.Length > 0 && address != clientAddress ? "The playback token is for another client address."
            : null;
    }

    private static byte[] Sign(string secret, string keyId, string expiry, string prefix, string address) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{keyId}\n{expiry}\n{prefix}\n{address}"));

    private static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? FromBase64Url(string part)
    {
        if (FromBase64UrlBytes(part) is not { } bytes)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static byte[]? FromBase64UrlBytes(string part)
    {
        if (part.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return null;
        }

        var padded = part.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (part.Length % 4)) % 4);
        try
        {
            // Only the canonical spelling: unused low bits in the last character would give one token many spellings.
            var bytes = Convert.FromBase64String(padded);
            return Convert.ToBase64String(bytes) == padded ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
