using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Activations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Tiers;

/// <summary>
/// Keeps points with a pull input (configured or stored) active: the point starts its pull input grain as it activates,
/// and nothing else would activate a distribution point after a restart, or on another silo after its silo died.
/// </summary>
internal sealed class PullInputKeeper(
    IGrainFactory grains,
    IPublishingPointStore store,
    IOptions<PublishingPointOptions> options,
    TimeProvider timeProvider,
    ILogger<PullInputKeeper> logger) : GrainKeeper(timeProvider, logger)
{
    protected override async Task TouchAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(cancellationToken);
        var paths = stored.Where(p => p.Value.PullInput is not null).Select(p => p.Key)
            .Concat(options.Value.Points.Where(p => p.Value.PullInput is not null).Select(p => p.Key))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            await grains.GetGrain<IPublishingPointGrain>(path).GetStatusAsync();
        }
    }
}
