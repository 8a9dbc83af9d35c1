using System.Collections.Immutable;
using Cluster.Contracts.PublishingPoints;
using Cluster.Media.Model;

namespace Cluster.Grains.PublishingPoints;

/// <summary>An immutable picture of a point's state, published after every change for interleaving readers.</summary>
internal sealed record PointView(
    bool Exists,
    PublishingPointState State,
    PublishingPointSettings Settings,
    long Epoch,
    int ActiveConnections,
    ImmutableArray<string> TrackKeys,
    ImmutableArray<TrackInfo> Tracks,
    DateTimeOffset? LastStateChange)
{
    public static PointView Missing { get; } = new(false, PublishingPointState.Idle, new PublishingPointSettings(), 0, 0, [], [], null);
}
