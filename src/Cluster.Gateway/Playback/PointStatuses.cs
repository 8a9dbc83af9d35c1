using System.Collections.Concurrent;
using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Options;

namespace Cluster.Gateway.Playback;

/// <summary>
/// Each point's status as the gateway's playback side sees it, asked of the point at most once per
/// <see cref="GatewayOptions.ManifestCacheDuration"/> for all requests (its session epoch keys cached fragments, its
/// settings say whether playback is protected and whether the point is restreamed). Unknown points are not kept.
/// </summary>
internal sealed class PointStatuses(IGrainFactory grains, TimeProvider time, IOptions<GatewayOptions> options)
{
    private readonly ShortLivedCache<string, PublishingPointStatus> _statuses = new(
        time,
        options.Value.ManifestCacheDuration,
        point => grains.GetGrain<IPublishingPointGrain>(point).GetStatusAsync(),
        static status => status.Exists);

    /// <summary>How often, at most, a gateway tells an on-demand point that viewers are still fetching its fragments.</summary>
    private static readonly TimeSpan ViewerNoteInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, long> _viewerNotes = new(StringComparer.Ordinal);

    /// <summary>The status of <paramref name="pointPath"/>, at most one cache lifetime old.</summary>
    public Task<PublishingPointStatus> GetAsync(string pointPath) => _statuses.GetAsync(pointPath);

    /// <summary>
    /// A player fetched a fragment: an on-demand point hears of it (at most once a second per gateway, without waiting),
    /// so players that seldom reload the manifest (Smooth clients follow the fragments' look-ahead) keep it running.
    /// </summary>
    public async Task NoteViewerAsync(string pointPath)
    {
        if ((await GetAsync(pointPath)).Settings.PullInput is not { OnDemand: true })
        {
            return;
        }

        var now = time.GetTimestamp();
        var last = _viewerNotes.GetOrAdd(pointPath, 0);
        if (last != 0 && time.GetElapsedTime(last, now) < ViewerNoteInterval || !_viewerNotes.TryUpdate(pointPath, now, last))
        {
            return;
        }

        _ = TellAsync(pointPath);
    }

    private async Task TellAsync(string pointPath)
    {
        try
        {
            await grains.GetGrain<IPublishingPointGrain>(pointPath).DemandAsync(TimeSpan.Zero);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // The point's silo just died: the next fragment request tells its new activation.
        }
    }
}
