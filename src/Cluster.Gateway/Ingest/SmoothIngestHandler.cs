using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Routing;
using Cluster.Gateway.Security;
using Cluster.Media;
using Cluster.Media.Smooth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Ingest;

/// <summary>
/// One Smooth Streaming push (MS-SSTR live ingest): a long-running chunked POST whose body is ftyp, the live server
/// manifest box, moov, then moof/mdat pairs; each fragment goes to its track grain as soon as its mdat is complete.
/// </summary>
internal sealed partial class SmoothIngestHandler(
    IGrainFactory grains,
    IngestSlots slots,
    AutoCreateQuota quota,
    IOptions<GatewayOptions> gatewayOptions,
    ServerSignatures signatures,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<SmoothIngestHandler> logger)
{
    public async Task HandleAsync(HttpContext context, MediaUrl url)
    {
        var point = grains.GetGrain<IPublishingPointGrain>(url.PointPath);
        var remote = ClientAddress.Of(context);
        var autoCreate = quota.MayCreate(remote);

        if (context.Request.ContentLength == 0)
        {
            // Encoders probe the URL with an empty POST before streaming; answer whether a push would be admitted.
            var probe = quota.Explain(await point.ProbeIngestAsync(url.EventId, autoCreate), remote);
            await IngestHttp.Respond(context, probe.Accepted ? StatusCodes.Status200OK : probe.StatusCode, probe.Reason);
            return;
        }

        if (!slots.TryEnter())
        {
            LogTooManyConnections(url.PointPath, remote, gatewayOptions.Value.MaxConcurrentIngestConnections);
            await IngestHttp.Respond(context, StatusCodes.Status503ServiceUnavailable, "Too many encoder connections on this node; retry later.");
            return;
        }

        try
        {
            await PushAsync(context, url, point, remote, autoCreate);
        }
        finally
        {
            slots.Exit();
        }
    }

    private async Task PushAsync(HttpContext context, MediaUrl url, IPublishingPointGrain point, string? remote, bool autoCreate)
    {
        var connectionId = context.TraceIdentifier;

        // Not RequestAborted: encoders close their socket right after the last chunk (ffmpeg does), which aborts the
        // request while the tail of the body (last fragments, mfra) is still buffered and must be read.
        var aborted = lifetime.ApplicationStopping;
        var reader = new SmoothIngestReader(context.Request.BodyReader, gatewayOptions.Value.Ingest);
        IngestHeader header;
        try
        {
            header = await reader.ReadHeaderAsync(aborted);
            header = header with { Tracks = StreamIdBitrates.Fill(header.Tracks, url.StreamId) };
        }
        catch (MediaFormatException e)
        {
            LogBadHeader(url.PointPath, connectionId, remote, e.Message);
            await IngestHttp.Respond(context, StatusCodes.Status400BadRequest, e.Message);
            return;
        }
        catch (Exception e) when (IngestHttp.IsDisconnect(e, aborted))
        {
            LogDisconnected(url.PointPath, connectionId, remote, e.Message);
            await IngestHttp.RespondToBrokenBody(context, e);
            return;
        }

        var upstream = UpstreamSession(context, url);
        var opening = new IngestOpening(connectionId, url.StreamId, url.EventId, remote, header.Tracks)
        {
            UpstreamSessionId = upstream,

            // Only a push the session header is accepted from brings the session's clock with it.
            Anchor = upstream is not null && SessionAnchor.TryParse(context.Request.Headers[TierHeaders.Anchor], out var anchor) ? anchor : null,
        };
        var admission = quota.Explain(await point.OpenIngestAsync(opening, autoCreate), remote);
        if (!admission.Accepted)
        {
            await IngestHttp.Respond(context, admission.StatusCode, admission.Reason);
            return;
        }

        var tracks = new Dictionary<uint, ITrackGrain>(header.Tracks.Length);
        for (var i = 0; i < header.Tracks.Length; i++)
        {
            tracks[header.Tracks[i].TrackId] = grains.GetGrain<ITrackGrain>(admission.TrackKeys[i]);
        }

        var counts = new IngestCounts();
        var end = IngestEnd.Lost;
        var anchored = admission.Anchor is not null;
        try
        {
            while (await reader.ReadFragmentAsync(aborted) is { } item)
            {
                if (!tracks.TryGetValue(item.TrackId, out var track))
                {
                    throw new MediaFormatException($"Fragment for track {item.TrackId}, which the moov does not declare.");
                }

                if (!anchored)
                {
                    // Where the stream enters: its first fragment's arrival decides the session's clock, once.
                    var timescale = header.Tracks.First(t => t.TrackId == item.TrackId).Timescale;
                    await point.ProposeAnchorAsync(admission.SessionEpoch, SessionAnchor.FromArrival(timeProvider.GetUtcNow(), item.Fragment.End, timescale));
                    anchored = true;
                }

                var result = await track.AddFragmentAsync(admission.SessionEpoch, item.Fragment);
                counts.Count(result);
                if (result == AddFragmentResult.SessionClosed)
                {
                    LogSessionClosed(url.PointPath, connectionId, admission.SessionEpoch);
                    await IngestHttp.Respond(context, StatusCodes.Status410Gone, "The publishing point's session this connection belonged to has ended (stopped, shut down or a new event).");
                    return;
                }
            }

            end = IngestEnd.EndOfStream;
            await IngestHttp.Respond(context, StatusCodes.Status200OK, null);
        }
        catch (MediaFormatException e)
        {
            LogBadFragment(url.PointPath, connectionId, remote, reader.BytesRead, e.Message);
            await IngestHttp.Respond(context, StatusCodes.Status400BadRequest, e.Message);
        }
        catch (Exception e) when (IngestHttp.IsDisconnect(e, aborted))
        {
            LogDisconnected(url.PointPath, connectionId, remote, e.Message);
            await IngestHttp.RespondToBrokenBody(context, e);
        }
        finally
        {
            try
            {
                await point.CloseIngestAsync(connectionId, end);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The point's silo is gone; its successor starts without this connection anyway.
                LogCloseFailed(url.PointPath, connectionId, e.Message);
            }

            LogConnectionSummary(url.PointPath, connectionId, end, reader.EndedWithMfra, counts.Added, counts.Duplicates, counts.Late, reader.BytesRead);
        }
    }

    /// <summary>
    /// The pushing server's session id (a push output of the tier above); when a shared key is set only a signed push
    /// may carry one, since it can make a Stopped point start a new session.
    /// </summary>
    private string? UpstreamSession(HttpContext context, MediaUrl url)
    {
        if (context.Request.Headers[TierHeaders.Session].ToString() is not { Length: > 0 and <= 128 } session)
        {
            return null;
        }

        if (signatures.HasKey && signatures.Verify(context) is { } denied)
        {
            LogUnsignedSession(url.PointPath, ClientAddress.Of(context), denied);
            return null;
        }

        return session;
    }

    private sealed class IngestCounts
    {
        public int Added { get; private set; }

        public int Duplicates { get; private set; }

        public int Late { get; private set; }

        public void Count(AddFragmentResult result)
        {
            switch (result)
            {
                case AddFragmentResult.Added:
                    Added++;
                    break;
                case AddFragmentResult.Duplicate:
                    Duplicates++;
                    break;
                case AddFragmentResult.Late:
                    Late++;
                    break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest to {Point} from {Remote}: ignored its upstream session id: {Reason}")]
    private partial void LogUnsignedSession(string point, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest to {Point} from {Remote} refused: already {Limit} encoder connections")]
    private partial void LogTooManyConnections(string point, string? remote, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {Connection} to {Point} from {Remote}: bad header: {Reason}")]
    private partial void LogBadHeader(string point, string connection, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {Connection} to {Point} from {Remote}: bad data after {Bytes} bytes: {Reason}; fragments already accepted are kept")]
    private partial void LogBadFragment(string point, string connection, string? remote, long bytes, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {Connection} to {Point} from {Remote}: connection lost: {Reason}")]
    private partial void LogDisconnected(string point, string connection, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {Connection} to {Point}: session {Epoch} is over (stopped, shut down or a new event), closing")]
    private partial void LogSessionClosed(string point, string connection, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {Connection} to {Point}: telling the publishing point the connection ended failed: {Reason}")]
    private partial void LogCloseFailed(string point, string connection, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest {Connection} to {Point} ended ({End}, mfra: {Mfra}): {Added} fragments added, {Duplicates} duplicates, {Late} late, {Bytes} bytes")]
    private partial void LogConnectionSummary(string point, string connection, IngestEnd end, bool mfra, int added, int duplicates, int late, long bytes);
}
