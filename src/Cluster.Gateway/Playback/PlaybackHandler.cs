using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Restream;
using Cluster.Gateway.Routing;
using Cluster.Gateway.Security;
using Cluster.Media;
using Cluster.Media.Model;
using Cluster.Media.MpegTs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Cluster.Gateway.Playback;

/// <summary>
/// Serves manifests and fragments of a publishing point to players. Every grain call may be a network round trip to
/// the silo owning the point, so the gateway answers what it can itself: manifests are reused for
/// <see cref="GatewayOptions.ManifestCacheDuration"/>, and fragment responses it marks immutable are kept in an
/// <see cref="ImmutableResponseCache"/>.
/// </summary>
internal sealed partial class PlaybackHandler
{
    /// <summary>Fragments answered with a complete lookahead never change again.</summary>
    private const string ImmutableCaching = "public, max-age=31536000, immutable";

    private readonly IGrainFactory _grains;
    private readonly FragmentHeaderCache _headers;
    private readonly ImmutableResponseCache _responses;
    private readonly IOptions<GatewayOptions> _options;
    private readonly ILogger<PlaybackHandler> _logger;
    private readonly ShortLivedCache<ManifestKey, ManifestDocument?> _manifests;
    private readonly PointStatuses _sessions;
    private readonly SourceFragments _sources;

    public PlaybackHandler(
        IGrainFactory grains,
        FragmentHeaderCache headers,
        ImmutableResponseCache responses,
        SourceFragments sources,
        PointStatuses statuses,
        TimeProvider time,
        IOptions<GatewayOptions> options,
        ILogger<PlaybackHandler> logger)
    {
        _grains = grains;
        _headers = headers;
        _responses = responses;
        _sources = sources;
        _sessions = statuses;
        _options = options;
        _logger = logger;
        var lifetime = options.Value.ManifestCacheDuration;

        // A missing document is not kept, so a point that starts is seen at once.
        _manifests = new(time, lifetime, LoadManifestAsync, static document => document is not null);
    }

    /// <summary>
    /// Serves a manifest or media playlist; with a playback <paramref name="token"/> every URL in it carries the token,
    /// and the document has its own ETag (protected responses are also marked private, see PlaybackAuthorization).
    /// </summary>
    public async Task ServeManifestAsync(HttpContext context, MediaUrl url, string? token = null)
    {
        var key = url.Kind == MediaUrlKind.MediaPlaylist
            ? new ManifestKey(url.PointPath, url.Format, url.TrackName, url.Bitrate)
            : new ManifestKey(url.PointPath, url.Format, null, 0);
        var document = await _manifests.GetAsync(key);
        if (document is null)
        {
            LogNotFound(url.PointPath, "manifest");
            await PlainText(context, StatusCodes.Status404NotFound, $"Publishing point '{url.PointPath}' does not exist or has nothing to play yet.");
            return;
        }

        var etag = token is null ? document.ETag : TokenETag(document.ETag, token);
        var headers = context.Response.GetTypedHeaders();
        headers.ETag = new EntityTagHeaderValue(etag);
        headers.LastModified = document.LastModified;
        headers.CacheControl = new CacheControlHeaderValue
        {
            Public = token is null,
            Private = token is not null,
            MaxAge = TimeSpan.FromSeconds(document.IsLive ? _options.Value.LiveManifestMaxAgeSeconds : 60),
        };
        if (IsNotModified(context, etag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = document.ContentType;
        var body = token is null ? document.Body : ManifestUrlQuery.Add(document.Body.Span, url.Format, $"{PlaybackToken.QueryParameter}={token}");
        await WriteBodyAsync(context, body, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>The document's ETag made distinct per token: <c>"{tag}-{first 8 bytes of SHA-256(token), hex}"</c>.</summary>
    private static string TokenETag(string etag, string token)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)).AsSpan(0, 8));
        return etag.EndsWith('"') ? $"{etag[..^1]}-{hash}\"" : $"{etag}-{hash}";
    }

    public async Task ServeInitAsync(HttpContext context, MediaUrl url)
    {
        // Not kept by the gateway: only responses marked immutable are, and a header is not (see its Cache-Control).
        var header = await Track(url).GetCmafHeaderAsync();
        if (header is null)
        {
            await PlainText(context, StatusCodes.Status404NotFound, "No such track.");
            return;
        }

        // A header changes only with a new session (new codec setup), so a short max-age plus an ETag suffices.
        context.Response.Headers.CacheControl = "public, max-age=60";
        context.Response.Headers.ETag = header.ETag;
        if (IsNotModified(context, header.ETag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = ContentTypeOf(header.Kind);
        await WriteBodyAsync(context, header.Bytes, ReadOnlyMemory<byte>.Empty);
    }

    public async Task ServeFragmentAsync(HttpContext context, MediaUrl url)
    {
        await _sessions.NoteViewerAsync(url.PointPath);
        var key = await ResponseKeyAsync(url);
        if (key is { } lookup && _responses.TryGet(lookup, out var cached))
        {
            await ServeCachedAsync(context, cached);
            return;
        }

        var read = await Track(url).ReadFragmentAsync(url.Time, _options.Value.FragmentWaitTimeout, context.RequestAborted);
        if (read.Fragment is null && read.Status == FragmentReadStatus.Gone && await FromSourceAsync(context, url, key) is { } taken)
        {
            await ServeCachedAsync(context, taken);
            return;
        }

        if (read.Fragment is not { } fragment)
        {
            var (status, reason) = read.Status == FragmentReadStatus.Gone
                ? (StatusCodes.Status410Gone, "The fragment has left the DVR window.")
                : (StatusCodes.Status404NotFound, "No such fragment (yet).");
            await PlainText(context, status, reason);
            return;
        }

        if (url.Format == ManifestFormat.HlsTs)
        {
            await ServeTsSegmentAsync(context, url, read, fragment, key);
            return;
        }

        var sequenceNumber = (uint)read.SequenceNumber;
        CachedHeader header;
        bool immutable;
        if (url.Format == ManifestFormat.Smooth)
        {
            header = _headers.Smooth(fragment, sequenceNumber, read.Lookahead.AsSpan(), live: !read.Ended, read.LookaheadComplete);
            immutable = read.LookaheadComplete;
        }
        else
        {
            // CMAF segments carry no look-ahead, so they never change.
            header = _headers.Cmaf(fragment, sequenceNumber);
            immutable = true;
        }

        var contentType = ContentTypeOf(read.Kind);
        if (immutable && key is { } store)
        {
            // One block: the next requests are served from it with a single write and no grain call.
            var body = new byte[header.Bytes.Length + fragment.Data.Length];
            header.Bytes.CopyTo(body, 0);
            fragment.Data.Span.CopyTo(body.AsSpan(header.Bytes.Length));
            var response = new CachedResponse(body, contentType, header.ETag);
            _responses.Add(store, response);
            await ServeCachedAsync(context, response);
            return;
        }

        context.Response.Headers.CacheControl = immutable ? ImmutableCaching : "public, max-age=1";
        context.Response.Headers.ETag = header.ETag;
        if (IsNotModified(context, header.ETag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = contentType;
        await WriteBodyAsync(context, header.Bytes, fragment.Data);
    }

    /// <summary>
    /// The cache key of a fragment request, or null when nothing is to be cached (cache disabled, unknown point).
    /// </summary>
    /// <remarks>
    /// Times are unique only within a session: a restarted encoder (new event id, restart on reconnect, shutdown and
    /// start) begins a new session whose fragments can reuse the old times with other bytes, and nothing in
    /// <see cref="FragmentRead"/> says which session a fragment belongs to. So the key carries the point's session
    /// epoch from <see cref="IPublishingPointGrain.GetStatusAsync"/>, asked at most once per
    /// <see cref="GatewayOptions.ManifestCacheDuration"/> per point for all requests: a new session is noticed within
    /// that period (the same staleness the manifests have), and the old session's entries, no longer reachable, age
    /// out as the least recently used. The epoch is read before the fragment: the point publishes a new epoch only after
    /// its tracks dropped the old session, so a fragment read afterwards never belongs to an older session than its
    /// key says (one read just before a restart can only be filed under the older epoch, where nobody finds it later).
    /// </remarks>
    private async ValueTask<ResponseKey?> ResponseKeyAsync(MediaUrl url)
    {
        if (!_responses.Enabled || await _sessions.GetAsync(url.PointPath) is not { Exists: true } status)
        {
            return null;
        }

        return new ResponseKey(url.PointPath, status.SessionEpoch, url.TrackName, url.Bitrate, url.Time, PackagingOf(url.Format));
    }

    /// <summary>A fragment a restreamed point does not hold, from its source's DVR (<see cref="SourceFragments"/>), kept like any immutable response.</summary>
    private async Task<CachedResponse?> FromSourceAsync(HttpContext context, MediaUrl url, ResponseKey? key)
    {
        if (await _sessions.GetAsync(url.PointPath) is not { Exists: true } status
            || await _sources.FetchAsync(status, context.Request.Path, context.RequestAborted) is not { } response)
        {
            return null;
        }

        if (key is { } store)
        {
            _responses.Add(store, response);
        }

        return response;
    }

    private static FragmentPackaging PackagingOf(ManifestFormat format) => format switch
    {
        ManifestFormat.Smooth => FragmentPackaging.Smooth,
        ManifestFormat.HlsTs => FragmentPackaging.Ts,
        _ => FragmentPackaging.Cmaf,
    };

    /// <summary>
    /// An MPEG-2 TS segment, made from the fragment and its track's codec configuration (one more grain call, made
    /// once: the segment never changes, so it is kept as one block like any immutable response).
    /// </summary>
    private async Task ServeTsSegmentAsync(HttpContext context, MediaUrl url, FragmentRead read, Fragment fragment, ResponseKey? key)
    {
        byte[] body;
        try
        {
            var info = await Track(url).GetInfoAsync() ?? throw new MediaFormatException("The track has no codec configuration yet.");
            body = TsSegmentWriter.Write(TsTrack.For(info), fragment, read.SequenceNumber);
        }
        catch (MediaFormatException e)
        {
            LogNotPackaged(url.PointPath, url.TrackName, url.Time, e.Message);
            await PlainText(context, StatusCodes.Status415UnsupportedMediaType, $"This track cannot be served as MPEG-2 TS: {e.Message}");
            return;
        }

        var response = new CachedResponse(body, "video/mp2t", $"\"t{fragment.Time:x}-{fragment.Data.Length:x}\"");
        if (key is { } store)
        {
            _responses.Add(store, response);
        }

        await ServeCachedAsync(context, response);
    }

    private static async Task ServeCachedAsync(HttpContext context, CachedResponse response)
    {
        context.Response.Headers.CacheControl = ImmutableCaching;
        context.Response.Headers.ETag = response.ETag;
        if (IsNotModified(context, response.ETag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = response.ContentType;
        await WriteBodyAsync(context, response.Body, ReadOnlyMemory<byte>.Empty);
    }

    private Task<ManifestDocument?> LoadManifestAsync(ManifestKey key)
    {
        var point = _grains.GetGrain<IPublishingPointGrain>(key.Point);
        return key.TrackName is { } track
            ? point.GetMediaPlaylistAsync(track, key.Bitrate, key.Format)
            : point.GetManifestAsync(key.Format);
    }

    private ITrackGrain Track(MediaUrl url) => _grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey(url.PointPath, url.TrackName, url.Bitrate));

    private static string ContentTypeOf(TrackKind? kind) => kind == TrackKind.Audio ? "audio/mp4" : "video/mp4";

    private static bool IsNotModified(HttpContext context, string etag) =>
        context.Request.Headers.IfNoneMatch is { Count: > 0 } ifNoneMatch
        && ifNoneMatch.ToString().Split(',').Any(candidate => candidate.Trim() == etag || candidate.Trim() == "*");

    /// <summary>Writes <paramref name="first"/> then <paramref name="second"/>; the stored fragment data goes out without an intermediate copy.</summary>
    private static async Task WriteBodyAsync(HttpContext context, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        context.Response.ContentLength = first.Length + second.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = context.Response.BodyWriter;
        await body.WriteAsync(first, context.RequestAborted);
        if (!second.IsEmpty)
        {
            await body.WriteAsync(second, context.RequestAborted);
        }
    }

    internal static async Task PlainText(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Playback: {What} of {Point} not found")]
    private partial void LogNotFound(string point, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Playback: fragment {Time} of {Point}/{Track} cannot be packaged as MPEG-2 TS: {Reason}")]
    private partial void LogNotPackaged(string point, string track, long time, string reason);

    /// <summary>Which document: a point's manifest in a format, or (with a track) an HLS media playlist.</summary>
    private readonly record struct ManifestKey(string Point, ManifestFormat Format, string? TrackName, int Bitrate);
}
