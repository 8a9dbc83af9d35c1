using System.IO.Pipelines;
using System.Net;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Media;
using Cluster.Media.Smooth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Feeds a point from one upstream at a time through the upstream's pull endpoint (<c>GET {url}/Streams(all)</c>), as
/// if it were an encoder connection. A connection that breaks after making progress is re-made at once; failures are
/// retried on the same URL <see cref="PullInputSettings.RetryCount"/> times, <see cref="PullInputSettings.RetryDelay"/>
/// apart (Polly), then the next URL is tried, round the list. Each (re)connection resumes after the last fragment held
/// of each track, so the index gets no gap and no duplicate, with the upstream's own times and boundaries. An upstream
/// that sends garbage, repeats or rewinds times, stalls or answers errors is a failure; nothing it sent after the fault
/// enters the index.
/// </summary>
internal sealed partial class StreamPullInput : PullInputBase
{
    private readonly ILogger _logger;

    public StreamPullInput(string pointPath, PullInputSettings settings, IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger logger)
        : base(pointPath, settings, grains, http, timeProvider, logger)
    {
        _logger = logger;
        Start();
    }

    /// <summary>One connection: a GET of the upstream's pull endpoint, read until its body ends.</summary>
    protected override async Task<bool> ReadOnceAsync(string url, CancellationToken ct)
    {
        var point = Grains.GetGrain<IPublishingPointGrain>(PointPath);
        var own = await point.GetStatusAsync();
        var held = await HeldAsync(own);
        var query = held.Count == 0 ? "" : "?after=" + string.Join(',', held.Select(h => $"{h.Key}:{h.Value}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(PublishingPointUrl.Stream(url, "all") + query));
        if (own.State == PublishingPointState.Stopped && own.SessionId is { } ownSession)
        {
            request.Headers.TryAddWithoutValidation(TierHeaders.Session, ownSession);
        }

        using var response = await Http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            var reason = (await response.Content.ReadAsStringAsync(ct)).Trim();
            throw new UpstreamException($"{url} answered {(int)response.StatusCode}: {reason}");
        }

        var session = Header(response, TierHeaders.Session);
        var eventId = Header(response, TierHeaders.EventId);
        if (own.State is PublishingPointState.Stopped && session is not null && session == own.SessionId)
        {
            return true;
        }

        if (own.State is PublishingPointState.Started or PublishingPointState.Stopping && session is not null && own.SessionId is not null && session != own.SessionId)
        {
            // The upstream restarted while we missed its end (a failover in between): end ours, then ask again from the
            // start of the new session (this request asked to resume the old one).
            LogUpstreamRestarted(PointPath, url, own.SessionId, session);
            await point.StopAsync();
            return false;
        }

        // The stall timer runs on the injected clock (restarted after every fragment); reads stop on it or on ct.
        using var stall = new CancellationTokenSource(Settings.StallTimeout, TimeProvider);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct, stall.Token);
        var body = PipeReader.Create(await response.Content.ReadAsStreamAsync(ct));
        var reader = new SmoothIngestReader(body, IngestLimits.Default);
        var connectionId = NextConnectionId();
        var progress = false;
        try
        {
            var header = await Stalled(() => reader.ReadHeaderAsync(reading.Token), stall, ct);
            var opening = new IngestOpening(connectionId, "all", eventId, url, header.Tracks)
            {
                UpstreamSessionId = session,
                FromPullInput = true,
                Anchor = SessionAnchor.TryParse(Header(response, TierHeaders.Anchor), out var anchor) ? anchor : null,
            };
            var admission = await point.OpenIngestAsync(opening, createIfMissing: true);
            if (!admission.Accepted)
            {
                if (admission.StatusCode == StatusCodes.Status409Conflict)
                {
                    return true;
                }

                throw new UpstreamException($"This point refused {url}'s stream: {admission.StatusCode} {admission.Reason}");
            }

            Connected = true;
            LogConnected(PointPath, url, header.Tracks.Length, held.Count > 0);
            var end = IngestEnd.Lost;
            try
            {
                var tracks = new Dictionary<uint, (ITrackGrain Grain, string Name)>();
                var last = new Dictionary<uint, long>();
                for (var i = 0; i < header.Tracks.Length; i++)
                {
                    var info = header.Tracks[i];
                    var name = TrackName(info);
                    tracks[info.TrackId] = (Grains.GetGrain<ITrackGrain>(admission.TrackKeys[i]), name);
                    last[info.TrackId] = held.GetValueOrDefault(name, long.MinValue);
                }

                while (await Stalled(() => reader.ReadFragmentAsync(reading.Token), stall, ct) is { } item)
                {
                    if (!tracks.TryGetValue(item.TrackId, out var track))
                    {
                        throw new MediaFormatException($"Fragment for track {item.TrackId}, which the upstream's moov does not declare.");
                    }

                    if (item.Fragment.Time <= last[item.TrackId])
                    {
                        throw new UpstreamException($"{url} sent {track.Name} at {item.Fragment.Time}, not after {last[item.TrackId]} (a repeat or a rewind).");
                    }

                    var result = await track.Grain.AddFragmentAsync(admission.SessionEpoch, item.Fragment);
                    if (result == AddFragmentResult.SessionClosed)
                    {
                        return false;
                    }

                    if (result == AddFragmentResult.Added)
                    {
                        CountAdded();
                    }

                    last[item.TrackId] = item.Fragment.Time;
                    progress = true;
                    stall.CancelAfter(Settings.StallTimeout);
                }

                // An mfra: the upstream's session ended, and ours with it. A body cut cleanly without one: a track joined
                // upstream, so reconnect and read the new header.
                end = reader.EndedWithMfra ? IngestEnd.EndOfStream : IngestEnd.Lost;
                LogEnded(PointPath, url, reader.EndedWithMfra);
                return false;
            }
            finally
            {
                Connected = false;
                await CloseAsync(point, connectionId, end);
            }
        }
        catch (Exception e) when (progress && e is IOException or HttpRequestException)
        {
            // It worked for a while: make the connection again at once, with a fresh retry budget.
            LastError = e.Message;
            LogBroken(PointPath, url, e.Message);
            return false;
        }
    }

    private static async Task<T> Stalled<T>(Func<ValueTask<T>> read, CancellationTokenSource stall, CancellationToken ct)
    {
        try
        {
            return await read();
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException("The upstream sent nothing for longer than the stall timeout.");
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: reading {Url} ({TrackCount} track(s), resuming: {Resuming})")]
    private partial void LogConnected(string point, string url, int trackCount, bool resuming);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: {Url} ended its stream (mfra: {Mfra})")]
    private partial void LogEnded(string point, string url, bool mfra);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull input of {Point}: connection to {Url} broke ({Reason}); reconnecting")]
    private partial void LogBroken(string point, string url, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull input of {Point}: {Url} restarted (session {Old} -> {New}); ending ours")]
    private partial void LogUpstreamRestarted(string point, string url, string old, string @new);

}

/// <summary>An upstream answered or sent something this node will not take.</summary>
internal sealed class UpstreamException(string message) : Exception(message);
