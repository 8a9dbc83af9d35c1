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
    DateTimeOffset? LastStateChange)
{
    /// <summary>The upstream session this point's session follows (its event id, or the id the ingest point gave it); null when fed by encoders only.</summary>
    public string? SessionId { get; init; }

    /// <summary>The pull input's state, when the point has one.</summary>
    public PullInputStatus? PullInput { get; init; }

    /// <summary>Each push output's state.</summary>
    public ImmutableArray<PushOutputStatus> PushOutputs { get; init; } = [];
}
