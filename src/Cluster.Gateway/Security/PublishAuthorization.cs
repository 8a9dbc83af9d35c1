using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Cluster.Contracts.Tiers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Security;

/// <summary>
/// Checks a push against <see cref="PublishSecurityOptions"/> before anything reads its body, the zero-length probe
/// included, so an encoder with wrong credentials fails at once. ffmpeg sends no credentials until challenged (it sends
/// <c>Expect: 100-continue</c> first), so a missing Authorization header is answered 401 with a Basic challenge and
/// wrong credentials 403.
/// </summary>
internal sealed partial class PublishAuthorization(
    IOptions<SecurityOptions> security,
    ServerSignatures signatures,
    ILogger<PublishAuthorization> logger)
{
    /// <summary>Refused attempts per client address and minute before it is not even checked any more (429): guessing passwords is slow.</summary>
    internal const int MaxFailuresPerMinute = 10;

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(
        address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = MaxFailuresPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>True when the push may go on; otherwise false, the refusal already answered and logged.</summary>
    public async Task<bool> AuthorizeAsync(HttpContext context, string pointPath)
    {
        if (PathPrefix.Longest(security.Value.Publish.Rules, rule => rule.PathPrefix, pointPath) is not { } rule)
        {
            return true;
        }

        var address = ClientAddress.Of(context) ?? "";
        var authorization = context.Request.Headers.Authorization.ToString();
        var (status, reason) = _failures.GetStatistics(address)?.CurrentAvailablePermits == 0
            ? (StatusCodes.Status429TooManyRequests, $"More than {MaxFailuresPerMinute} refused pushes from this address in a minute; retry later.")
            : HasAllowedCertificate(rule, context) ? (0, "")
            : Check(rule, authorization, context);
        if (status == 0)
        {
            return true;
        }

        if (status != StatusCodes.Status429TooManyRequests && authorization.Length > 0)
        {
            // Only wrong credentials count: ffmpeg's first request carries none, by design.
            using var lease = _failures.AttemptAcquire(address);
        }
        else if (status == StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "60";
        }

        LogRefused(pointPath, address, status, reason);
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Cluster publish\", charset=\"UTF-8\"";
        }

        context.Response.Headers.Connection = "close";
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason + "\n", CancellationToken.None);
        if (context.Request.ContentLength != 0 && !context.Request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            // An encoder already streaming its body would not read the answer until its body ends (Kestrel drains it
            // first): closing the connection makes it fail now. One that asked "Expect: 100-continue" sent no body yet.
            await context.Response.CompleteAsync();
            context.Abort();
        }

        return false;
    }

    /// <summary>Whether the encoder presented a TLS client certificate the rule names (Kestrel asks for one on HTTPS when a rule does).</summary>
    private static bool HasAllowedCertificate(PublishRule rule, HttpContext context) =>
        rule.ClientCertificateThumbprints.Count > 0
        && context.Connection.ClientCertificate is { } certificate
        && rule.ClientCertificateThumbprints.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase);

    private (int Status, string Reason) Check(PublishRule rule, string authorization, HttpContext context)
    {
        if (authorization.Length == 0)
        {
            return (StatusCodes.Status401Unauthorized, "Publishing here needs credentials (HTTP Basic, e.g. http://user:password@host/...).");
        }

        if (authorization.StartsWith(ServerAuthentication.Scheme + " ", StringComparison.Ordinal))
        {
            return signatures.Verify(context) is { } denied ? (StatusCodes.Status403Forbidden, denied) : (0, "");
        }

        if (!BasicCredentials.TryParse(authorization, out var user, out var password))
        {
            return (StatusCodes.Status401Unauthorized, "The Authorization header is not HTTP Basic credentials.");
        }

        return Matches(rule, user, password) ? (0, "") : (StatusCodes.Status403Forbidden, "The user name or password is wrong.");
    }

    /// <summary>Compares SHA-256 digests of every user's credentials in constant time, so the timing tells neither which part was wrong nor a length.</summary>
    private static bool Matches(PublishRule rule, string user, string password)
    {
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(user + ":" + password));
        var found = false;
        foreach (var candidate in rule.Users)
        {
            found |= CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate.User + ":" + candidate.Password)), given);
        }

        return found;
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Push to {Point} from {Remote} refused ({Status}): {Reason}")]
    private partial void LogRefused(string point, string? remote, int status, string reason);
}

/// <summary>RFC 7617 Basic credentials.</summary>
internal static class BasicCredentials
{
    /// <summary>Longest header value read; credentials are short, and a huge one is not decoded.</summary>
    private const int MaxLength = 1024;

    public static bool TryParse(string authorization, out string user, out string password)
    {
        user = password = "";
        const string prefix = "Basic ";
        if (authorization.Length > MaxLength || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[MaxLength];
        if (!Convert.TryFromBase64String(authorization[prefix.Length..].Trim(), decoded, out var length))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(decoded[..length]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        (user, password) = (text[..colon], text[(colon + 1)..]);
        return true;
    }
}
