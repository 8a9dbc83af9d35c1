using Cluster.Contracts.PublishingPoints;
using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Tiers;

/// <summary>Starts pull inputs for points (the <see cref="PullInputGrain"/> holds the one it runs).</summary>
internal sealed class PullInputFactory(IGrainFactory grains, TierHttp http, TimeProvider timeProvider, ILogger<StreamPullInput> logger, ILogger<ManifestPullInput> manifestLogger)
{
    /// <summary>The settings with every upstream URL resolved to the point (a server URL gets the point's path).</summary>
    public static PullInputSettings Resolve(string pointPath, PullInputSettings settings) =>
        settings with { Urls = [.. settings.Urls.Select(u => PublishingPointUrl.For(u, pointPath))] };

    /// <summary>Starts reading with settings already <see cref="Resolve">resolved</see>.</summary>
    public IPullInput Start(string pointPath, PullInputSettings resolved) => resolved.Mode switch
    {
        PullMode.Manifest => new ManifestPullInput(pointPath, resolved, grains, http, timeProvider, manifestLogger),
        _ => new StreamPullInput(pointPath, resolved, grains, http, timeProvider, logger),
    };
}
