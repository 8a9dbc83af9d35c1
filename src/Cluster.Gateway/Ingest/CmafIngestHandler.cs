using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Routing;
using Cluster.Gateway.Security;
using Cluster.Media;
using Cluster.Media.CmafIngest;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Ingest;

/// <summary>
/// DASH-IF Live Media Ingest interface 1 (CMAF ingest): one request per CMAF header or segment. A header admits its
/// one track with the publishing point; each segment that follows becomes one stored fragment of that track.
/// </summary>
/// <remarks>
/// Status codes follow the DASH-IF Live Media Ingest specification, profile 1 / interface 1, section "Requirements
/// for Media Processing Entity Failover" items 5-9: 403 when the point refuses the source (shut down; 409 when it is
/// stopped, as for Smooth), 404 for an unknown point, 412 for a segment whose CMAF header is missing or stale, 415
/// for media the receiver cannot take, 400 for malformed input. The source answers any error by re-sending the CMAF header (same section, and "General Protocol
/// Requirements" item 5), so an error on a segment forgets the track's header here.
/// </remarks>
internal sealed partial class CmafIngestHandler(
    IGrainFactory grains,
    IngestSlots slots,
    AutoCreateQuota quota,
    CmafIngestRegistry registry,
    IOptions<GatewayOptions> gatewayOptions,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<CmafIngestHandler> logger)
{
    /// <summary>Handles a request whose body starts like a CMAF header (ftyp or moov) or a CMAF segment.</summary>
    public async Task HandleAsync(HttpContext context, MediaUrl url, bool isHeader)
    {
        var remote = ClientAddress.Of(context);
        if (!slots.TryEnter())
        {
            LogTooManyConnections(url.PointPath, remote, gatewayOptions.Value.MaxConcurrentIngestConnections);
            await IngestHttp.Respond(context, StatusCodes.Status503ServiceUnavailable, "Too many encoder connections on this node; retry later.");
            return;
        }

        try
        {
            var limits = gatewayOptions.Value.Ingest;

            // A header request may carry media after the moov (one long body per track, as in the first ingest drafts).
            // The dispatcher lifted Kestrel's body limit; this bound is checked while the body is read.
            var max = isHeader ? limits.MaxHeaderBoxSize + limits.MaxFragmentSize : limits.MaxFragmentSize;

            // Not RequestAborted: encoders close their socket right after the last chunk (ffmpeg does), which aborts
            // the request while the tail of the body is still buffered and must be read.
            var aborted = lifetime.ApplicationStopping;
            IngestHttp.PooledBody? body;
            try
            {
                body = await IngestHttp.ReadBodyAsync(context.Request, max, aborted);
            }
            catch (Exception e) when (IngestHttp.IsDisconnect(e, aborted))
            {
                LogDisconnected(url.PointPath, CmafTrackKey.FromUrl(url), remote, e.Message);
                await IngestHttp.RespondToBrokenBody(context, e);
                return;
            }

            if (body is null)
            {
                LogTooLarge(url.PointPath, CmafTrackKey.FromUrl(url), remote, max);
                await IngestHttp.Respond(context, StatusCodes.Status413PayloadTooLarge, $"A CMAF {(isHeader ? "header" : "segment")} may have at most {max} bytes.");
                return;
            }

            using (body)
            {
                var (status, reason) = isHeader
                    ? await HeaderAsync(url, body, remote)
                    : await SegmentAsync(url, CmafTrackKey.FromUrl(url), body, 0, remote);
                await IngestHttp.Respond(context, status, reason);
            }
        }
        finally
        {
            slots.Exit();
        }
    }

    private async Task<(int Status, string? Reason)> HeaderAsync(MediaUrl url, IngestHttp.PooledBody body, string? remote)
    {
        var trackKey = CmafTrackKey.FromUrl(url);
        CmafHeader header;
        try
        {
            header = CmafHeaderReader.Read(body.Span, gatewayOptions.Value.Ingest);
        }
        catch (MediaFormatException e)
        {
            LogBadHeader(url.PointPath, trackKey, remote, e.Message);
            return (StatusCodes.Status400BadRequest, e.Message);
        }
        catch (UnsupportedMediaException e)
        {
            LogUnsupported(url.PointPath, trackKey, remote, e.Message);
            return (StatusCodes.Status415UnsupportedMediaType, e.Message);
        }

        var bitrate = registry.ReserveBitrate(url.PointPath, trackKey, header.Track);
        var track = header.Track with { Bitrate = bitrate };
        var connectionId = "cmaf:" + trackKey;
        var point = grains.GetGrain<IPublishingPointGrain>(url.PointPath);
        var admission = quota.Explain(await point.OpenIngestAsync(new IngestOpening(connectionId, trackKey, url.EventId, remote, [track]), quota.MayCreate(remote)), remote);
        if (!admission.Accepted)
        {
            registry.ReleaseBitrate(url.PointPath, trackKey);
            if (registry.Find(url.PointPath, trackKey) is { } stale)
            {
                registry.Remove(stale);
            }

            LogHeaderRefused(url.PointPath, trackKey, remote, admission.StatusCode, admission.Reason);
            return (admission.StatusCode, admission.Reason);
        }

        var session = new CmafTrackSession(url.PointPath, trackKey, connectionId, header, track, admission.SessionEpoch, admission.TrackKeys[0]) { Anchored = admission.Anchor is not null };
        registry.Register(session);
        LogHeaderAccepted(url.PointPath, trackKey, remote, track.Kind, track.FourCC, track.Bitrate, track.Timescale, admission.SessionEpoch);

        return body.Length > header.Length
            ? await SegmentAsync(url, trackKey, body, header.Length, remote)
            : (StatusCodes.Status200OK, null);
    }

    private async Task<(int Status, string? Reason)> SegmentAsync(MediaUrl url, string trackKey, IngestHttp.PooledBody body, int start, string? remote)
    {
        if (registry.Find(url.PointPath, trackKey) is not { } session)
        {
            LogSegmentWithoutHeader(url.PointPath, trackKey, remote);
            return (StatusCodes.Status412PreconditionFailed,
                $"No CMAF header (init segment) has been received for track '{trackKey}' of '{url.PointPath}'; send the header first.");
        }

        CmafSegment segment;
        try
        {
            segment = CmafSegmentReader.Read(body.Span[start..], session.Header, gatewayOptions.Value.Ingest);
        }
        catch (MediaFormatException e)
        {
            LogBadSegment(url.PointPath, trackKey, remote, e.Message);
            return (StatusCodes.Status400BadRequest, e.Message);
        }

        if (segment.Fragment is { } fragment)
        {
            if (!session.Anchored)
            {
                // The encoder's prft says what wall clock its timeline has; else the first segment's arrival decides.
                var anchor = segment.ProducerAnchor ?? SessionAnchor.FromArrival(timeProvider.GetUtcNow(), fragment.End, session.Track.Timescale);
                await grains.GetGrain<IPublishingPointGrain>(url.PointPath).ProposeAnchorAsync(session.Epoch, anchor);
                session.Anchored = true;
            }

            var result = await grains.GetGrain<ITrackGrain>(session.TrackGrainKey).AddFragmentAsync(session.Epoch, fragment);
            LogSegment(url.PointPath, trackKey, segment.SequenceNumber, segment.ChunkCount, fragment.Time, fragment.Duration, result);
            if (result == AddFragmentResult.SessionClosed)
            {
                registry.Remove(session);
                var status = await grains.GetGrain<IPublishingPointGrain>(url.PointPath).GetStatusAsync();
                LogSessionClosed(url.PointPath, trackKey, session.Epoch, status.State);
                return status.State == PublishingPointState.Shutdown
                    ? (StatusCodes.Status403Forbidden, $"Publishing point '{url.PointPath}' is shut down; start it through the admin API.")
                    : (StatusCodes.Status409Conflict,
                        $"The session of '{url.PointPath}' this track belonged to has ended (point {status.State}); send the CMAF header again to join the current session.");
            }
        }

        if (segment.IsLast)
        {
            // DASH-IF ingest: the last segment of a track carries the lmsg brand (an empty mfra in the first drafts);
            // the track's "connection" ends normally, and the point stops once every track has ended.
            if (registry.Remove(session))
            {
                await grains.GetGrain<IPublishingPointGrain>(url.PointPath).CloseIngestAsync(session.ConnectionId, IngestEnd.EndOfStream);
                LogTrackEnded(url.PointPath, trackKey, remote);
            }
        }

        return (StatusCodes.Status200OK, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest to {Point} from {Remote} refused: already {Limit} encoder connections")]
    private partial void LogTooManyConnections(string point, string? remote, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: body over {Limit} bytes")]
    private partial void LogTooLarge(string point, string track, string? remote, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: connection lost: {Reason}")]
    private partial void LogDisconnected(string point, string track, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: bad header: {Reason}")]
    private partial void LogBadHeader(string point, string track, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: unsupported media: {Reason}")]
    private partial void LogUnsupported(string point, string track, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest of track {Track} to {Point} from {Remote} refused with {Status}: {Reason}")]
    private partial void LogHeaderRefused(string point, string track, string? remote, int status, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: header accepted ({Kind} {FourCC}, {Bitrate} bps, timescale {Timescale}), session {Epoch}")]
    private partial void LogHeaderAccepted(string point, string track, string? remote, Media.Model.TrackKind kind, string fourCC, int bitrate, long timescale, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: segment before any header, answered 412")]
    private partial void LogSegmentWithoutHeader(string point, string track, string? remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: bad segment: {Reason}")]
    private partial void LogBadSegment(string point, string track, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CMAF ingest of track {Track} to {Point}: segment {Sequence} ({Chunks} chunks) at {Time} for {Duration}: {Result}")]
    private partial void LogSegment(string point, string track, uint sequence, int chunks, long time, long duration, AddFragmentResult result);

    [LoggerMessage(Level = LogLevel.Information, Message = "CMAF ingest of track {Track} to {Point}: session {Epoch} is over (point {State})")]
    private partial void LogSessionClosed(string point, string track, long epoch, PublishingPointState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "CMAF ingest of track {Track} to {Point} from {Remote}: last segment received, track ended")]
    private partial void LogTrackEnded(string point, string track, string? remote);
}
