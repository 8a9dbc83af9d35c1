using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Restream;
using Cluster.Contracts.Tracks;
using Cluster.Gateway.Routing;
using Cluster.Gateway.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Restream;

/// <summary>
/// <c>GET /cluster/streams</c>: the streams of this cluster a restreamer may take (Flussonic's source list), for servers
/// holding the cluster key only: the request must carry a fresh <c>Cluster-HMAC</c> signature (<see cref="ServerSignatures"/>);
/// without one, a wrong one or a replayed one the answer is 403 and no list. Listed: every point with a session to pull
/// (live, or stopped with its recording) as <c>static</c>, every point with an on-demand pull input as <c>ondemand</c>,
/// each with its tracks and DVR, and whether its playback is protected here (the restreamer then protects it too). Archived sessions are not listed (they are played, not restreamed).
/// </summary>
internal static partial class StreamListEndpoint
{
    private const string PointType = "publishingpoint";

    public static void Map(IEndpointRouteBuilder endpoints) => endpoints.MapGet(SourceStreamList.Path, GetAsync);

    private static async Task GetAsync(
        HttpContext context, ServerSignatures signatures, IGrainFactory grains, IConfiguration configuration, IOptions<SecurityOptions> security, ILoggerFactory loggers)
    {
        if (signatures.Verify(context) is { } denied)
        {
            LogRefused(loggers.CreateLogger(typeof(StreamListEndpoint).FullName!), ClientAddress.Of(context), denied);
            await Playback.PlaybackHandler.PlainText(context, StatusCodes.Status403Forbidden, denied);
            return;
        }

        var archive = ArchivePlayback.Prefix(configuration);
        var streams = new List<SourceStream>();
        try
        {
            var candidates = (await CandidatesAsync(context.RequestServices, grains, context.RequestAborted))
                .Where(path => !path.StartsWith(archive, StringComparison.OrdinalIgnoreCase));
            foreach (var path in candidates.Order(StringComparer.Ordinal))
            {
                if (await DescribeAsync(grains, security.Value, path) is { } stream)
                {
                    streams.Add(stream);
                }
            }
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // A silo just died and the cluster has not caught up: the restreamer keeps its last list and asks again.
            context.Response.Headers.RetryAfter = "1";
            await Playback.PlaybackHandler.PlainText(context, StatusCodes.Status503ServiceUnavailable, $"The stream list cannot be read right now ({e.GetType().Name}); retry shortly.");
            return;
        }

        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(new SourceStreamList([.. streams]), context.RequestAborted);
    }

    /// <summary>Points active on any silo, stored through the admin API, or configured.</summary>
    private static async Task<HashSet<string>> CandidatesAsync(IServiceProvider services, IGrainFactory grains, CancellationToken ct)
    {
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var management = grains.GetGrain<IManagementGrain>(0);
        var silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        foreach (var activation in await management.GetDetailedGrainStatistics(null, silos))
        {
            if (activation.GrainId.Type.ToString() == PointType)
            {
                paths.Add(activation.GrainId.Key.ToString()!);
            }
        }

        if (services.GetService<IPublishingPointStore>() is { } store)
        {
            paths.UnionWith((await store.ListAsync(ct)).Select(p => p.Key));
        }

        paths.UnionWith(services.GetRequiredService<IOptions<PublishingPointOptions>>().Value.Points.Keys);
        return paths;
    }

    private static async Task<SourceStream?> DescribeAsync(IGrainFactory grains, SecurityOptions security, string path)
    {
        var status = await grains.GetGrain<IPublishingPointGrain>(path).GetStatusAsync();
        var kind = !status.Exists ? null
            : status.Settings.PullInput is { OnDemand: true } ? SourceStream.OnDemand
            : status.State is PublishingPointState.Started or PublishingPointState.Stopping
                || status.State == PublishingPointState.Stopped && !status.Tracks.IsEmpty ? SourceStream.Static
            : null;
        if (kind is null)
        {
            return null;
        }

        var tracks = new List<SourceTrack>();
        foreach (var info in status.Tracks)
        {
            var timeline = await grains.GetGrain<ITrackGrain>(PublishingPointPath.TrackKey(path, info.Name, info.Bitrate)).GetTimelineAsync();
            tracks.Add(new SourceTrack(
                info.Name,
                info.Bitrate,
                info.Kind.ToString().ToLowerInvariant(),
                info.Timescale,
                timeline.Count,
                timeline.Count > 0 ? timeline[0].Time : null,
                timeline.Count > 0 ? timeline[timeline.Count - 1].End : null));
        }

        var isProtected = status.Settings.ProtectPlayback || security.Playback.ProtectedPaths.Any(prefix => PathPrefix.Covers(prefix, path));
        return new SourceStream(status.Path, kind, status.State.ToString(), status.SessionId, status.Settings.DvrWindowLength, [.. tracks], isProtected);
    }

    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "Stream list refused to {Remote}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? remote, string reason);
}
