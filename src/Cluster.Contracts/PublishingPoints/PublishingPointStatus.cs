using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Contracts.PublishingPoints;

/// <summary>What an operator sees of a publishing point.</summary>
[GenerateSerializer, Immutable]
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
    [Id(8)]
    public string? SessionId { get; init; }

    /// <summary>The pull input's state, when the point has one.</summary>
    [Id(9)]
    public PullInputStatus? PullInput { get; init; }

    /// <summary>Each push output's state.</summary>
    [Id(10)]
    public ImmutableArray<PushOutputStatus> PushOutputs { get; init; } = [];

    /// <summary>The silo hosting the point's activation (and its tracks).</summary>
    [Id(11)]
    public SiloInfo? Silo { get; init; }

    /// <summary>The session's wall clock: the UTC time of media time 0, decided where the stream entered (see <see cref="SessionAnchor"/>); null until known.</summary>
    [Id(12)]
    public DateTimeOffset? Anchor { get; init; }
}
