using System.Collections.Concurrent;
using System.Net.Http.Json;
using Cluster.Contracts.Tiers;
using Cluster.Gateway.Playback;
using Cluster.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Security;

/// <summary>
/// Decides whether a player may fetch a manifest, header or fragment of a point under
/// <see cref="PlaybackSecurityOptions.ProtectedPaths"/> (or of its archived sessions, <c>{archive}/{point}/{session}</c>):
/// its token must verify (when keys are configured) and the on_play hook must allow its session (when one is
/// configured; the answer is kept per session, so a player costs one hook call per <see cref="OnPlayOptions.CacheDuration"/>,
/// not one per fragment). A server pulling a protected point's stream needs the deployment's shared key.
/// </summary>
internal sealed partial class PlaybackAuthorization(
    IOptions<SecurityOptions> security,
    IOptions<TierOptions> tiers,
    IConfiguration configuration,
    PointStatuses points,
    IHttpClientFactory clients,
    TimeProvider time,
    ILogger<PlaybackAuthorization> logger)
{
    /// <summary>The HttpClient name of the on_play hook.</summary>
    public const string HookClient = "Cluster.OnPlay";

    /// <summary>Sessions remembered at most; past it expired answers go, and if none had, all of them.</summary>
    private const int MaxSessions = 100_000;

    private readonly ConcurrentDictionary<string, (bool Allowed, DateTimeOffset Until)> _sessions = new(StringComparer.Ordinal);
    private readonly string _archivePrefix = ArchivePlayback.Prefix(configuration);

    /// <summary>
    /// Whether the request may be served, and the token to write into the manifest's URLs. A refusal has been answered
    /// (403 with the reason, or 503 when the hook did not answer) and logged. Protected responses are marked private,
    /// so no shared cache hands them to someone else.
    /// </summary>
    public async Task<(bool Allowed, string? Token)> AuthorizeAsync(HttpContext context, MediaUrl url)
    {
        var origin = OriginOf(url.PointPath);
        if (!IsProtected(url.PointPath) && !IsProtected(origin)
            && !await ProtectedByItsSettingsAsync(url.PointPath) && (origin == url.PointPath || !await ProtectedByItsSettingsAsync(origin)))
        {
            return (true, null);
        }

        var (status, reason, token) = url.Kind == MediaUrlKind.Ingest ? CheckPull() : await CheckPlayerAsync(context, url, origin);
        if (status == 0)
        {
            context.Response.OnStarting(MarkPrivate, context);
            return (true, token);
        }

        LogRefused(context.Request.Path, ClientAddress.Of(context), status, reason);
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        await Playback.PlaybackHandler.PlainText(context, status, reason);
        return (false, null);
    }

    private bool IsProtected(string pointPath) =>
        security.Value.Playback.ProtectedPaths.Any(prefix => PathPrefix.Covers(prefix, pointPath));

    /// <summary>A point's own <see cref="Cluster.Contracts.PublishingPoints.PublishingPointSettings.ProtectPlayback"/> (a restreamed point's source sets it).</summary>
    private async Task<bool> ProtectedByItsSettingsAsync(string pointPath) =>
        (await points.GetAsync(pointPath)).Settings.ProtectPlayback;

    /// <summary>The point an archived session was recorded from (<c>{archive}/{point}/{session}</c> -> <c>{point}</c>), or the path itself.</summary>
    private string OriginOf(string pointPath)
    {
        if (!pointPath.StartsWith(_archivePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return pointPath;
        }

        var rest = pointPath[_archivePrefix.Length..];
        var slash = rest.LastIndexOf('/');
        return slash > 0 ? rest[..slash] : pointPath;
    }

    /// <summary>The pull endpoint checks the server's signature itself when a shared key exists; without one, nobody may pull.</summary>
    private (int, string, string?) CheckPull() =>
        tiers.Value.SharedKey is null
            ? (StatusCodes.Status403Forbidden, "Servers may pull a protected point only with the deployment's cluster key (Cluster:ClusterKey).", null)
            : (0, "", null);

    private async Task<(int Status, string Reason, string? Token)> CheckPlayerAsync(HttpContext context, MediaUrl url, string origin)
    {
        var playback = security.Value.Playback;
        var token = context.Request.Query[PlaybackToken.QueryParameter].ToString();
        var address = ClientAddress.Of(context);
        var now = time.GetUtcNow();
        var (status, reason) = playback.Keys.Count > 0
            && PlaybackToken.Verify(token, playback.Keys, url.PointPath, address, now) is { } refused
            && (origin == url.PointPath || PlaybackToken.Verify(token, playback.Keys, origin, address, now) is not null)
                ? (StatusCodes.Status403Forbidden, refused)
            : !IsCarriable(token) ? (StatusCodes.Status403Forbidden, "The token holds characters a URL cannot carry as they are.")
            : playback.OnPlay is { } hook ? await AskHookAsync(hook, context, url, token, address)
            : (0, "");
        return (status, reason, token.Length > 0 ? token : null);
    }

    private static Task MarkPrivate(object state)
    {
        var headers = ((HttpContext)state).Response.Headers;
        var caching = headers.CacheControl.ToString();
        if (caching.Length > 0)
        {
            headers.CacheControl = caching.Replace("public", "private", StringComparison.Ordinal);
        }

        return Task.CompletedTask;
    }

    /// <summary>Tokens are written into manifests as they are, so only URL- and XML-safe characters pass.</summary>
    private static bool IsCarriable(string token) =>
        token.Length <= PlaybackToken.MaxLength && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~');

    private async Task<(int Status, string Reason)> AskHookAsync(OnPlayOptions hook, HttpContext context, MediaUrl url, string token, string? address)
    {
        var userAgent = context.Request.Headers.UserAgent.ToString();
        var session = $"{url.PointPath}\n{(token.Length > 0 ? token : address + "\n" + userAgent)}";
        var now = time.GetUtcNow();
        if (_sessions.TryGetValue(session, out var known) && known.Until > now)
        {
            return known.Allowed ? (0, "") : (StatusCodes.Status403Forbidden, "The on_play hook refused this session.");
        }

        using var timeout = new CancellationTokenSource(hook.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
        bool allowed;
        try
        {
            var request = new { path = url.PointPath, token, address, userAgent, format = url.Format.ToString() };
            using var answer = await clients.CreateClient(HookClient).PostAsJsonAsync(hook.Url, request, linked.Token);
            allowed = answer.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            // The host only: a hook URL may carry a key in its path or query.
            LogHookFailed(new Uri(hook.Url!).Authority, e.Message);
            return (StatusCodes.Status503ServiceUnavailable, "The on_play hook did not answer; retry shortly.");
        }

        Remember(session, allowed, now + hook.CacheDuration);
        return allowed ? (0, "") : (StatusCodes.Status403Forbidden, "The on_play hook refused this session.");
    }

    private void Remember(string session, bool allowed, DateTimeOffset until)
    {
        if (_sessions.Count >= MaxSessions)
        {
            var now = time.GetUtcNow();
            foreach (var (key, value) in _sessions)
            {
                if (value.Until <= now)
                {
                    _sessions.TryRemove(key, out _);
                }
            }

            if (_sessions.Count >= MaxSessions)
            {
                // Every answer still valid: start over (the hook is asked again) rather than scan on every new session.
                _sessions.Clear();
            }
        }

        _sessions[session] = (allowed, until);
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "Playback {Path} from {Remote} refused ({Status}): {Reason}")]
    private partial void LogRefused(PathString path, string? remote, int status, string reason);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "The on_play hook at {Host} failed: {Reason}")]
    private partial void LogHookFailed(string host, string reason);
}
