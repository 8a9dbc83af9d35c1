using Cluster.Contracts.Restream;
using Cluster.Grains.Activations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Grains.Restream;

/// <summary>Keeps each configured source's grain active (it reads the source on its own timer).</summary>
internal sealed class RestreamKeeper(
    IGrainFactory grains,
    IOptions<RestreamOptions> options,
    TimeProvider timeProvider,
    ILogger<RestreamKeeper> logger) : GrainKeeper(timeProvider, logger)
{
    protected override Task TouchAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(options.Value.Sources.Select((_, i) => grains.GetGrain<IRestreamSourceGrain>(options.Value.NameOf(i)).EnsureRunningAsync()));
}
