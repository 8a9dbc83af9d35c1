using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Routing;
using Cluster.Media.Boxes;
using Cluster.Media.Model;
using Cluster.Media.Smooth;
using Cluster.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Cluster.Gateway.Playback;

/// <summary>Serves manifests and fragments of a publishing point to players.</summary>
internal sealed partial class PlaybackHandler(IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<PlaybackHandler> logger)
{
    /// <summary>Fragments answered with a complete lookahead never change again.</summary>
    private const string ImmutableCaching = "public, max-age=31536000, immutable";

    public async Task ServeManifestAsync(HttpContext context, MediaUrl url)
    {
        var document = await grains.GetGrain<IPublishingPointGrain>(url.PointPath).GetManifestAsync(url.Format);
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

    public async Task ServeFragmentAsync(HttpContext context, MediaUrl url)
    {
        var key = PublishingPointPath.TrackKey(url.PointPath, url.TrackName, url.Bitrate);
        var track = grains.GetGrain<ITrackGrain>(key);
        var timeline = await track.GetTimelineAsync();
        var index = timeline.IndexOf(url.Time);
        var wait = options.Value.FragmentWaitTimeout;
        if (index < 0 && wait > TimeSpan.Zero && !timeline.Ended && timeline.Count > 0 && url.Time >= timeline[timeline.Count - 1].End)
        {
            timeline = await track.WaitForFragmentAsync(url.Time, wait);
            index = timeline.IndexOf(url.Time);
        }
        if (index < 0)
        {
            var (status, reason) = timeline.Count > 0 && url.Time < timeline[0].Time
                ? (StatusCodes.Status410Gone, "The fragment has left the DVR window.")
                : (StatusCodes.Status404NotFound, "No such fragment (yet).");
            await PlainText(context, status, reason);
            return;
        }

        var fragment = timeline[index];
        var lookaheadCount = Math.Min(timeline.LookaheadCount, timeline.Count - index - 1);
        Span<TimelineEntry> lookahead = stackalloc TimelineEntry[lookaheadCount];
        for (var i = 0; i < lookaheadCount; i++)
        {
            var next = timeline[index + 1 + i];
            lookahead[i] = new TimelineEntry(next.Time, next.Duration);
        }

        var etag = $"\"{fragment.Time:x}-{fragment.Data.Length:x}-{lookaheadCount}\"";
        var complete = lookaheadCount == timeline.LookaheadCount || timeline.Ended;
        context.Response.Headers.CacheControl = complete ? ImmutableCaching : "public, max-age=1";
        context.Response.Headers.ETag = etag;
        if (IsNotModified(context, etag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var header = new BoxWriter(256 + (fragment.Samples.Length * 16) + (lookaheadCount * 16));
        SmoothFragmentWriter.WriteHeader(header, fragment, 1, (uint)(timeline.FirstSequence + index + 1), lookahead, live: !timeline.Ended);
        context.Response.ContentType = timeline.Info?.Kind == TrackKind.Audio ? "audio/mp4" : "video/mp4";
        await WriteBodyAsync(context, header.WrittenMemory, fragment.Data);
    }

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
