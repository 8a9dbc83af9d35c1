using Cluster.Contracts.PublishingPoints;
using Orleans.Concurrency;

namespace Cluster.Contracts.Tiers;

/// <summary>
/// The pull input of a point (key <see cref="TierGrainKey.Of"/>: the point and its primary upstream URL), on the point's
/// silo: it reads the upstream (a stream of this product, or a Smooth server's manifests), feeds what it reads into the
/// point, and fails over along the backup URLs. The point starts and stops it as its settings say.
/// </summary>
public interface IPullInputGrain : IGrainWithStringKey
{
    /// <summary>Runs with <paramref name="settings"/> (URLs already resolved to the point); a run with other settings is replaced.</summary>
    Task StartAsync(PullInputSettings settings);

    /// <summary>Stops reading at once.</summary>
    Task StopAsync();

    /// <summary>The input's statistics; null when it is not running.</summary>
    [AlwaysInterleave]
    Task<PullInputStatus?> GetStatusAsync();
}
