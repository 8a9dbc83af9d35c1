using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Contracts.PublishingPoints;

/// <summary>What an operator sees of a publishing point.</summary>
public sealed record PublishingPointStatus(
    string Path,
    bool Exists,
    PublishingPointState State,
    PublishingPointSettings Settings,
    long SessionEpoch,
    int ActiveConnections,
    ImmutableArray<TrackInfo> Tracks,
    DateTimeOffset? LastStateChange);
