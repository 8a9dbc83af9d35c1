using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Routing;
using Cluster.Media.Model;
using Cluster.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Cluster.Gateway.Playback;

/// <summary>Serves manifests and fragments of a publishing point to players.</summary>
internal sealed partial class PlaybackHandler(IGrainFactory grains, FragmentHeaderCache headers, IOptions<GatewayOptions> options, ILogger<PlaybackHandler> logger)
{
    /// <summary>Fragments answered with a complete lookahead never change again.</summary>
    private const string ImmutableCaching = "public, max-age=31536000, immutable";

    public async Task ServeManifestAsync(HttpContext context, MediaUrl url)
    {
        var point = grains.GetGrain<IPublishingPointGrain>(url.PointPath);
        var document = url.Kind == MediaUrlKind.MediaPlaylist
            ? await point.GetMediaPlaylistAsync(url.TrackName, url.Bitrate)
            : await point.GetManifestAsync(url.Format);
        if (document is null)
        {
            LogNotFound(url.PointPath, "manifest");
            await PlainText(context, StatusCodes.Status404NotFound, $"Publishing point '{url.PointPath}' does not exist or has nothing to play yet.");
            return;
        }

        var headers = context.Response.GetTypedHeaders();
        headers.ETag = new EntityTagHeaderValue(document.ETag);
        headers.LastModified = document.LastModified;
        headers.CacheControl = new CacheControlHeaderValue
        {
            Public = true,
            MaxAge = TimeSpan.FromSeconds(document.IsLive ? options.Value.LiveManifestMaxAgeSeconds : 60),
        };
        if (IsNotModified(context, document.ETag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = document.ContentType;
        await WriteBodyAsync(context, document.Body, ReadOnlyMemory<byte>.Empty);
    }

    public async Task ServeInitAsync(HttpContext context, MediaUrl url)
    {
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
        var read = await Track(url).ReadFragmentAsync(url.Time, options.Value.FragmentWaitTimeout);
        if (read.Fragment is not { } fragment)
        {
            var (status, reason) = read.Status == FragmentReadStatus.Gone
                ? (StatusCodes.Status410Gone, "The fragment has left the DVR window.")
                : (StatusCodes.Status404NotFound, "No such fragment (yet).");
            await PlainText(context, status, reason);
            return;
        }

        var sequenceNumber = (uint)read.SequenceNumber;
        CachedHeader header;
        if (url.Format == ManifestFormat.Smooth)
        {
            header = headers.Smooth(fragment, sequenceNumber, read.Lookahead.AsSpan(), live: !read.Ended, read.LookaheadComplete);
            context.Response.Headers.CacheControl = read.LookaheadComplete ? ImmutableCaching : "public, max-age=1";
        }
        else
        {
            // CMAF segments carry no look-ahead, so they never change.
            header = headers.Cmaf(fragment, sequenceNumber);
            context.Response.Headers.CacheControl = ImmutableCaching;
        }

        context.Response.Headers.ETag = header.ETag;
        if (IsNotModified(context, header.ETag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = ContentTypeOf(read.Kind);
        await WriteBodyAsync(context, header.Bytes, fragment.Data);
    }

    private ITrackGrain Track(MediaUrl url) => grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey(url.PointPath, url.TrackName, url.Bitrate));

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
}
