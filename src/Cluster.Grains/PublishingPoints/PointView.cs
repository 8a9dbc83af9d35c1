using System.Collections.Immutable;
using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Sessions;
using Cluster.Contracts.Tiers;
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
    /// <summary>The session's id, as sent to the tiers below.</summary>
    public string? SessionId { get; init; }

    /// <summary>Who follows the session (push outputs, archive), for their statistics.</summary>
    public ImmutableArray<ISessionFollower> Followers { get; init; } = [];

    /// <summary>The pull input, when the point has one.</summary>
    public IPullInputGrain? PullInput { get; init; }

    /// <summary>The session's wall clock, once decided.</summary>
    public DateTimeOffset? Anchor { get; init; }

    public static PointView Missing { get; } = new(false, PublishingPointState.Idle, new PublishingPointSettings(), 0, 0, [], [], null);
}
