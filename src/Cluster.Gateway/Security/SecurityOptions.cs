namespace Cluster.Gateway.Security;

/// <summary>
/// Who may control, publish to and play from this node (configuration section <c>Cluster:Security</c>). Secrets come from
/// configuration or the environment (<c>Cluster__Security__Admin__ApiKeys__0__Key</c>) and are never logged.
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:Security";

    /// <summary>The admin API (<c>/admin/...</c>).</summary>
    public AdminSecurityOptions Admin { get; set; } = new();

    /// <summary>Encoders and servers pushing to this node.</summary>
    public PublishSecurityOptions Publish { get; set; } = new();

    /// <summary>Players.</summary>
    public PlaybackSecurityOptions Playback { get; set; } = new();

    /// <summary>Per-client request rates.</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>
    /// Addresses of reverse proxies (or CDN edges) in front of this node whose <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> are believed, so tokens bound to a viewer's address, rate limits and quotas see the
    /// client instead of the proxy. Default none: the headers are ignored (anyone could send them).
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Checks the values; returns the problems found.</summary>
    public IEnumerable<string> Validate() =>
        Admin.Validate().Concat(Publish.Validate()).Concat(Playback.Validate()).Concat(RateLimits.Validate())
            .Concat(KnownProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)).Select(p => $"KnownProxies: '{p}' is not an IP address."))
            .Select(problem => $"{SectionName}:{problem}");
}

/// <summary>The roles of the admin API.</summary>
public enum AdminRole
{
    /// <summary>Reads status, settings and silos.</summary>
    Reader,

    /// <summary>Everything a reader may, and creates, configures, starts, stops and shuts down points and makes playback tokens.</summary>
    Operator,
}

/// <summary>
/// Admin API credentials: API keys (header <c>X-Api-Key</c> or <c>Authorization: ApiKey {key}</c>) and JWT bearer tokens.
/// With none configured the API is open while the node listens on loopback addresses only, and disabled (403 with the
/// reason) when it listens on any other address.
/// </summary>
public sealed class AdminSecurityOptions
{
    /// <summary>API keys with their role. Default none.</summary>
    public List<AdminApiKey> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer validation; null (default) accepts no JWT.</summary>
    public AdminJwtOptions? Jwt { get; set; }

    /// <summary>Whether credentials of any kind are configured.</summary>
    internal bool HasCredentials => ApiKeys.Count > 0 || Jwt is not null;

    internal IEnumerable<string> Validate()
    {
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            if (ApiKeys[i].Key is not { Length: >= 16 })
            {
                yield return $"Admin:ApiKeys:{i}:Key must have at least 16 characters.";
            }
        }

        if (ApiKeys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() != ApiKeys.Count)
        {
            yield return "Admin:ApiKeys: each key must be different.";
        }

        foreach (var problem in Jwt?.Validate() ?? [])
        {
            yield return $"Admin:Jwt:{problem}";
        }
    }
}

/// <summary>One admin API key.</summary>
public sealed class AdminApiKey
{
    /// <summary>Names the key's holder in logs (the key itself never is). Default <c>api-key</c>.</summary>
    public string Name { get; set; } = "api-key";

    /// <summary>The secret, at least 16 characters.</summary>
    public string? Key { get; set; }

    /// <summary>What the key may do. Default <see cref="AdminRole.Reader"/>.</summary>
    public AdminRole Role { get; set; } = AdminRole.Reader;
}

/// <summary>
/// JWT bearer tokens for the admin API: issued by an identity provider (<see cref="Authority"/>, keys from its metadata) or
/// signed with a shared HMAC key (<see cref="SigningKey"/>). The role is the <see cref="RoleClaim"/> claim's value,
/// <c>operator</c> or <c>reader</c>.
/// </summary>
public sealed class AdminJwtOptions
{
    /// <summary>The identity provider's URL (OpenID Connect metadata). Default none.</summary>
    public string? Authority { get; set; }

    /// <summary>The token's required audience. Required.</summary>
    public string? Audience { get; set; }

    /// <summary>The token's required issuer; with an <see cref="Authority"/> its metadata says it. Default none.</summary>
    public string? Issuer { get; set; }

    /// <summary>An HMAC-SHA256 signing key (at least 32 characters) instead of an authority. Default none.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim holding the role. Default <c>role</c>.</summary>
    public string RoleClaim { get; set; } = "role";

    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return "Audience must be given.";
        }

        if (Authority is null == SigningKey is null)
        {
            yield return "give either Authority or SigningKey.";
        }

        if (SigningKey is { Length: < 32 })
        {
            yield return "SigningKey must have at least 32 characters.";
        }

        if (SigningKey is not null && string.IsNullOrWhiteSpace(Issuer))
        {
            yield return "Issuer must be given with a SigningKey.";
        }

        if (Authority is not null && !Uri.TryCreate(Authority, UriKind.Absolute, out _))
        {
            yield return "Authority must be an absolute URL.";
        }
    }
}

/// <summary>
/// Publish credentials by point path prefix: a push to a point under a rule's prefix needs HTTP Basic credentials of one of
/// its users (ffmpeg sends <c>http://user:password@host/...</c> as Basic) or, from a server of this deployment, a
/// <c>Cluster-HMAC</c> signature made with the cluster key (<c>Cluster:ClusterKey</c>). The longest matching prefix applies; a point
/// under no rule takes pushes from anyone (and <see cref="Cluster.Contracts.PublishingPoints.PublishingPointOptions.AutoCreate"/>
/// decides whether a push may create it).
/// </summary>
public sealed class PublishSecurityOptions
{
    /// <summary>The rules. Default none.</summary>
    public List<PublishRule> Rules { get; set; } = [];

    internal IEnumerable<string> Validate()
    {
        for (var i = 0; i < Rules.Count; i++)
        {
            foreach (var problem in Rules[i].Validate())
            {
                yield return $"Publish:Rules:{i}:{problem}";
            }
        }
    }
}

/// <summary>Who may publish under one path prefix.</summary>
public sealed class PublishRule
{
    /// <summary>Point path prefix such as <c>live/</c> (whole segments: <c>live</c> covers <c>live/a</c>, not <c>lively</c>); empty covers every point.</summary>
    public string PathPrefix { get; set; } = "";

    /// <summary>The publishers with Basic credentials. Default none (then <see cref="ClientCertificateThumbprints"/> must name someone).</summary>
    public List<PublishUser> Users { get; set; } = [];

    /// <summary>
    /// SHA-1 thumbprints (hex) of TLS client certificates whose encoders may publish without a password (DASH-IF ingest's
    /// client certificates; over an HTTPS endpoint of this node, which then asks clients for a certificate). Default none.
    /// </summary>
    public List<string> ClientCertificateThumbprints { get; set; } = [];

    internal IEnumerable<string> Validate()
    {
        if (Users.Count == 0 && ClientCertificateThumbprints.Count == 0)
        {
            yield return "Users or ClientCertificateThumbprints must name at least one publisher.";
        }

        if (ClientCertificateThumbprints.Any(t => t is null || t.Length != 40 || !t.All(char.IsAsciiHexDigit)))
        {
            yield return "ClientCertificateThumbprints must be SHA-1 thumbprints, 40 hex digits each.";
        }

        for (var i = 0; i < Users.Count; i++)
        {
            if (string.IsNullOrEmpty(Users[i].User) || Users[i].User!.Contains(':', StringComparison.Ordinal))
            {
                yield return $"Users:{i}:User must be given and hold no ':'.";
            }

            if (Users[i].Password is not { Length: >= 8 })
            {
                yield return $"Users:{i}:Password must have at least 8 characters.";
            }
        }
    }
}

/// <summary>A publisher's Basic credentials.</summary>
public sealed class PublishUser
{
    /// <summary>The user name.</summary>
    public string? User { get; set; }

    /// <summary>The password, at least 8 characters.</summary>
    public string? Password { get; set; }
}

/// <summary>
/// Playback authorization for points under <see cref="ProtectedPaths"/>: a signed token (<see cref="PlaybackToken"/>) in the
/// <c>token</c> query parameter, which the origin writes into every URL of the manifests it serves, and/or an
/// <c>on_play</c> hook that is asked once per viewer session.
/// </summary>
public sealed class PlaybackSecurityOptions
{
    /// <summary>Point path prefixes (whole segments; empty covers every point) whose playback needs authorization. Default none.</summary>
    public List<string> ProtectedPaths { get; set; } = [];

    /// <summary>Signing keys; tokens name the key they were made with, so two keys may be active while one is rotated out. Default none.</summary>
    public List<PlaybackKey> Keys { get; set; } = [];

    /// <summary>An HTTP hook asked whether a viewer may play (Flussonic's on_play); null (default) asks none.</summary>
    public OnPlayOptions? OnPlay { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (ProtectedPaths.Count > 0 && Keys.Count == 0 && OnPlay is null)
        {
            yield return "Playback: ProtectedPaths needs Keys or OnPlay to authorize anyone.";
        }

        for (var i = 0; i < Keys.Count; i++)
        {
            if (Keys[i].Id is not { Length: > 0 and <= 32 } id || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                yield return $"Playback:Keys:{i}:Id must be 1 to 32 letters, digits, '-' or '_'.";
            }

            if (Keys[i].Secret is not { Length: >= 32 })
            {
                yield return $"Playback:Keys:{i}:Secret must have at least 32 characters.";
            }
        }

        if (Keys.Select(k => k.Id).Distinct(StringComparer.Ordinal).Count() != Keys.Count)
        {
            yield return "Playback:Keys: each Id must be different.";
        }

        foreach (var problem in OnPlay?.Validate() ?? [])
        {
            yield return $"Playback:OnPlay:{problem}";
        }
    }
}

/// <summary>A playback token signing key.</summary>
public sealed class PlaybackKey
{
    /// <summary>Names the key inside tokens.</summary>
    public string? Id { get; set; }

    /// <summary>The HMAC-SHA256 secret, at least 32 characters.</summary>
    public string? Secret { get; set; }
}

/// <summary>
/// The on_play hook: the gateway POSTs <c>{"path","token","address","userAgent","format"}</c> as JSON to <see cref="Url"/>;
/// a 2xx answer allows, anything else (or no answer in time) refuses. The answer is kept per viewer session (token, or
/// address and user agent) for <see cref="CacheDuration"/>.
/// </summary>
public sealed class OnPlayOptions
{
    /// <summary>The hook's absolute http(s) URL. Required.</summary>
    public string? Url { get; set; }

    /// <summary>How long an answer is kept per session. Default 1 minute.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the hook may take; past it the request is refused (503). Default 2 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    internal IEnumerable<string> Validate()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            yield return "Url must be an absolute http or https URL.";
        }

        if (CacheDuration < TimeSpan.Zero || CacheDuration > TimeSpan.FromHours(1))
        {
            yield return "CacheDuration must be between 0 and 1 hour.";
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromSeconds(30))
        {
            yield return "Timeout must be between 0 and 30 seconds.";
        }
    }
}

/// <summary>Requests per client address and minute (ASP.NET Core rate limiting); past them 429 with Retry-After.</summary>
public sealed class RateLimitOptions
{
    /// <summary>
    /// Admin API requests per client address per minute. Default 6,000 (a dashboard polling a hundred points every
    /// second stays under it; guessing a 16-character key at that rate is hopeless); zero turns the limit off.
    /// </summary>
    public int AdminRequestsPerMinute { get; set; } = 6000;

    /// <summary>Ingest probes (the empty POST an encoder sends before pushing) per client address per minute. Default 120; zero turns the limit off.</summary>
    public int IngestProbesPerMinute { get; set; } = 120;

    internal IEnumerable<string> Validate()
    {
        if (AdminRequestsPerMinute < 0 || IngestProbesPerMinute < 0)
        {
            yield return "RateLimits: the limits must not be negative.";
        }
    }
}
