using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tiers;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Cluster.Grains.Placement;

/// <summary>
/// Places a grain that belongs to a publishing point on the point's silo: a track (key <c>{point}/{name}_{bitrate}</c>,
/// the point up to the last <c>/</c>), so the point builds manifests from its tracks' timelines in process, without a
/// copy; a push output or pull input (key <c>{point} {url}</c>, <see cref="TierGrainKey"/>), so it reads the tracks in
/// process too. The point names its silo as the placement hint of its calls; a grain first called by anyone else (a
/// player) is placed by asking the point where it runs (Orleans' grain locator is internal), which activates the point
/// where it would go anyway.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class PointPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    public static PointPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="PointPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PointPlacementAttribute() : PlacementAttribute(PointPlacement.Instance);

/// <summary>Picks the point's silo for a new activation; a random compatible silo when the point's is not one.</summary>
internal sealed class PointPlacementDirector(IGrainFactory grains) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, compatible) is { } hint)
        {
            return hint;
        }

        if (PointOf(target.GrainIdentity.Key.ToString() ?? "") is { } point)
        {
            var silo = await grains.GetGrain<IPublishingPointGrain>(point).GetSiloAsync();
            if (Array.IndexOf(compatible, silo) >= 0)
            {
                return silo;
            }
        }

        return compatible[Random.Shared.Next(compatible.Length)];
    }

    /// <summary>The point a grain key belongs to; null for a key naming none.</summary>
    private static string? PointOf(string key)
    {
        var space = key.IndexOf(' ', StringComparison.Ordinal);
        var end = space > 0 ? space : key.LastIndexOf('/');
        return end > 0 ? key[..end] : null;
    }
}
