using Cluster.Contracts.PublishingPoints;
using Cluster.Runtime;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tiers;

/// <summary>Starts pull inputs for points (the publishing point grain holds the one it runs).</summary>
internal sealed class PullInputFactory(IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger<StreamPullInput> logger)
{
    public IPullInput Start(string pointPath, PullInputSettings settings) =>
        new StreamPullInput(pointPath, settings with { Urls = [.. settings.Urls.Select(u => PublishingPointUrl.For(u, pointPath))] }, grains, http, timeProvider, logger);
}
