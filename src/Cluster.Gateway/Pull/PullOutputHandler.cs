using System.Globalization;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Playback;
using Cluster.Gateway.Routing;
using Cluster.Gateway.Security;
using Cluster.Media;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cluster.Gateway.Pull;

/// <summary>
/// The pull endpoint a downstream server reads a point from: <c>GET /{path}.isml/Streams(all)</c> (or
/// <c>Streams({name}_{bitrate})</c> for one track) answers a long-running Smooth push body of the current session,
/// header boxes first, then each fragment as it arrives, and an mfra when the session ends. <c>?after=video_400000:123,...</c>
/// resumes each track after the last fragment the downstream holds (exclusive), so a failover leaves no gap and no
/// duplicate; tracks not named start at the oldest fragment held. A downstream naming (in <c>Cluster-Session</c>) the
/// finished session it already holds gets 204 instead of the whole recording again. The body ends without an mfra when the session changes
/// or a track joins, and the downstream reconnects. A pull of an on-demand point starts its input and keeps it running.
/// </summary>
internal sealed partial class PullOutputHandler(
    IGrainFactory grains,
    ServerSignatures signatures,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<PullOutputHandler> logger)
{
    /// <summary>How often the track list is checked for a track joining the session.</summary>
    private static readonly TimeSpan TrackCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a pull of an on-demand point waits for its input's first fragments.</summary>
    private static readonly TimeSpan OnDemandStartWait = TimeSpan.FromSeconds(10);

    /// <summary>The stream name that asks for every track of the point.</summary>
    public const string AllTracks = "all";

    public async Task HandleAsync(HttpContext context, MediaUrl url)
    {
        var remote = context.Connection.RemoteIpAddress?.ToString();
        if (signatures.HasKey && signatures.Verify(context) is { } denied)
        {
            LogRefused(url.PointPath, remote, 401, denied);
            await PlaybackHandler.PlainText(context, StatusCodes.Status401Unauthorized, denied);
            return;
        }

        var point = grains.GetGrain<IPublishingPointGrain>(url.PointPath);
        var status = await point.GetStatusAsync();
        if (status.Settings.PullInput is { OnDemand: true })
        {
            // A downstream server is a viewer of an on-demand point: it starts the input and waits for the first fragments.
            await point.DemandAsync(OnDemandStartWait);
            status = await point.GetStatusAsync();
        }

        if (Refusal(status) is { } refusal)
        {
            LogRefused(url.PointPath, remote, refusal.Status, refusal.Reason);
            await PlaybackHandler.PlainText(context, refusal.Status, refusal.Reason);
            return;
        }

        if (status.State == PublishingPointState.Stopped && status.SessionId is { } sessionId
            && context.Request.Headers[TierHeaders.Session] == sessionId)
        {
            // The downstream already holds this finished session: nothing new until the next one starts.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            context.Response.Headers[TierHeaders.Session] = sessionId;
            return;
        }

        if (!TryParseAfter(context.Request.Query["after"], out var after, out var badAfter))
        {
            await PlaybackHandler.PlainText(context, StatusCodes.Status400BadRequest, badAfter);
            return;
        }

        var selected = status.Tracks
            .Select(info => (Name: $"{info.Name}_{info.Bitrate}", Info: info))
            .Where(t => url.StreamId.Equals(AllTracks, StringComparison.OrdinalIgnoreCase) || t.Name.Equals(url.StreamId, StringComparison.Ordinal))
            .Select(t => new PumpTrack(PublishingPointPath.TrackKey(url.PointPath, t.Info.Name, t.Info.Bitrate), t.Info, after.GetValueOrDefault(t.Name, long.MinValue)))
            .ToList();
        if (selected.Count == 0)
        {
            await PlaybackHandler.PlainText(context, StatusCodes.Status404NotFound, $"Publishing point '{url.PointPath}' has no stream '{url.StreamId}'; ask for Streams({AllTracks}) or Streams({{name}}_{{bitrate}}).");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "video/mp4";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers[TierHeaders.Session] = status.SessionId ?? "";
        context.Response.Headers[TierHeaders.State] = status.State.ToString();
        if (status.Anchor is { } anchor)
        {
            context.Response.Headers[TierHeaders.Anchor] = SessionAnchor.Format(anchor);
        }

        if (status.Settings.EventId is { } eventId)
        {
            context.Response.Headers[TierHeaders.EventId] = eventId;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var pump = new TrackStreamPump(grains, selected, status.SessionEpoch);
        var watch = WatchTracksAsync(point, status, stop);
        LogStarted(url.PointPath, remote, url.StreamId, selected.Count, status.SessionEpoch);
        string outcome;
        try
        {
            outcome = (await pump.RunAsync(context.Response.BodyWriter, stop.Token)).ToString();
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            outcome = "track list changed";
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            outcome = "downstream gone";
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or MediaFormatException)
        {
            // Headers are sent: all that is left is to cut the body, which the downstream sees as a failure.
            outcome = $"failed: {e.Message}";
            context.Abort();
        }
        finally
        {
            await stop.CancelAsync();
            await watch;
        }

        LogEnded(url.PointPath, remote, outcome, pump.Written);
    }

    private static (int Status, string Reason)? Refusal(PublishingPointStatus status) =>
        !status.Exists ? (StatusCodes.Status404NotFound, $"There is no publishing point '{status.Path}'.")
        : !status.Settings.AllowServerConnections ? (StatusCodes.Status403Forbidden, $"Publishing point '{status.Path}' does not allow server connections.")
        : status.State is PublishingPointState.Idle or PublishingPointState.Starting or PublishingPointState.Shutdown || status.Tracks.IsEmpty
            ? (StatusCodes.Status404NotFound, $"Publishing point '{status.Path}' has no session to pull ({status.State}).")
        : null;

    /// <summary>Ends the body (by cancelling it) when a track joins or the session changes, so the downstream reconnects and sees it.</summary>
    private async Task WatchTracksAsync(IPublishingPointGrain point, PublishingPointStatus initial, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TrackCheckInterval, timeProvider, stop.Token);
                if (initial.Settings.PullInput is { OnDemand: true })
                {
                    // The open pull keeps an on-demand point's input running.
                    await point.DemandAsync(TimeSpan.Zero);
                }

                var now = await point.GetStatusAsync();
                if (now.SessionEpoch != initial.SessionEpoch || now.Tracks.Length != initial.Tracks.Length)
                {
                    await stop.CancelAsync();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            // Stopped, or the point's silo is gone: the pump notices the latter on its own.
        }
    }

    internal static bool TryParseAfter(string? value, out Dictionary<string, long> after, out string error)
    {
        after = new Dictionary<string, long>(StringComparer.Ordinal);
        error = "";
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = item.LastIndexOf(':');
            if (colon <= 0 || !long.TryParse(item.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var time)
                || !after.TryAdd(item[..colon], time))
            {
                error = $"'after' takes {{name}}_{{bitrate}}:{{time}} pairs separated by commas, each track once; '{item}' is not one.";
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull of {Point} by {Remote} refused: {Status} {Reason}")]
    private partial void LogRefused(string point, string? remote, int status, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull of {Point} by {Remote}: Streams({Stream}), {TrackCount} track(s), session {Epoch}")]
    private partial void LogStarted(string point, string? remote, string stream, int trackCount, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull of {Point} by {Remote} ended ({Outcome}) after {Fragments} fragments")]
    private partial void LogEnded(string point, string? remote, string outcome, long fragments);
}
