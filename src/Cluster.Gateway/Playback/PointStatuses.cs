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

    /// <summary>The status of <paramref name="pointPath"/>, at most one cache lifetime old.</summary>
    public Task<PublishingPointStatus> GetAsync(string pointPath) => _statuses.GetAsync(pointPath);
}
