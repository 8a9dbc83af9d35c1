using Cluster.Contracts.PublishingPoints;
using Cluster.Runtime;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tiers;

/// <summary>Starts pull inputs for points (the publishing point grain holds the one it runs).</summary>
internal sealed class PullInputFactory(IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger<StreamPullInput> logger, ILogger<ManifestPullInput> manifestLogger)
{
    public IPullInput Start(string pointPath, PullInputSettings settings) => (settings with { Urls = [.. settings.Urls.Select(u => PublishingPointUrl.For(u, pointPath))] }) switch
    {
        { Mode: PullMode.Manifest } resolved => new ManifestPullInput(pointPath, resolved, grains, http, timeProvider, manifestLogger),
        var resolved => new StreamPullInput(pointPath, resolved, grains, http, timeProvider, logger),
    };
}
