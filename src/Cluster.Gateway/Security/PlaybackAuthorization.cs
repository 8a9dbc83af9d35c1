using System.Collections.Concurrent;
using System.Net.Http.Json;
using Cluster.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Security;

/// <summary>
/// Decides whether a player may fetch a manifest, header or fragment of a point under
/// <see cref="PlaybackSecurityOptions.ProtectedPaths"/>: its token must verify (when keys are configured) and the on_play
/// hook must allow its session (when one is configured; the answer is kept per session, so a player costs one hook call
/// per <see cref="OnPlayOptions.CacheDuration"/>, not one per fragment).
/// </summary>
internal sealed partial class PlaybackAuthorization(
    IOptions<SecurityOptions> security,
    IHttpClientFactory clients,
    TimeProvider time,
    ILogger<PlaybackAuthorization> logger)
{
    /// <summary>The HttpClient name of the on_play hook.</summary>
    public const string HookClient = "Cluster.OnPlay";

    /// <summary>Sessions remembered at most; past it the oldest answers are dropped.</summary>
    private const int MaxSessions = 100_000;

    private readonly ConcurrentDictionary<string, (bool Allowed, DateTimeOffset Until)> _sessions = new(StringComparer.Ordinal);

    /// <summary>Whether the point needs authorization.</summary>
    public bool IsProtected(string pointPath) =>
        security.Value.Playback.ProtectedPaths.Any(prefix => PathPrefix.Covers(prefix, pointPath));

    /// <summary>
    /// Whether the request may be served, and the token to write into the manifest's URLs.
    /// A refusal has been answered (403 with the reason, or 503 when the hook did not answer) and logged.
    /// </summary>
    public async Task<(bool Allowed, string? Token)> AuthorizeAsync(HttpContext context, MediaUrl url)
    {
        if (!IsProtected(url.PointPath))
        {
            return (true, null);
        }

        var playback = security.Value.Playback;
        var token = context.Request.Query[PlaybackToken.QueryParameter].ToString();
        var address = context.Connection.RemoteIpAddress?.ToString();
        var (status, reason) = playback.Keys.Count > 0 && PlaybackToken.Verify(token, playback.Keys, url.PointPath, address, time.GetUtcNow()) is { } refused
            ? (StatusCodes.Status403Forbidden, refused)
            : !IsCarriable(token) ? (StatusCodes.Status403Forbidden, "The token holds characters a URL cannot carry as they are.")
            : playback.OnPlay is { } hook ? await AskHookAsync(hook, context, url, token, address)
            : (0, "");
        if (status == 0)
        {
            return (true, token.Length > 0 ? token : null);
        }

        LogRefused(context.Request.Path, address, status, reason);
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        await Playback.PlaybackHandler.PlainText(context, status, reason);
        return (false, null);
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
            LogHookFailed(hook.Url!, e.Message);
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
                if (value.Until <= now || _sessions.Count >= MaxSessions)
                {
                    _sessions.TryRemove(key, out _);
                }
            }
        }

        _sessions[session] = (allowed, until);
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "Playback {Path} from {Remote} refused ({Status}): {Reason}")]
    private partial void LogRefused(PathString path, string? remote, int status, string reason);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "The on_play hook {Url} failed: {Reason}")]
    private partial void LogHookFailed(string url, string reason);
}
