using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Contracts.PublishingPoints;

/// <summary>An encoder connection asking to publish tracks to a point.</summary>
/// <param name="ConnectionId">Unique per connection; names it in logs and when it closes.</param>
/// <param name="StreamId">The <c>Streams(id)</c> part of the URL.</param>
/// <param name="EventId">The <c>Events(id)</c> part of the URL, when present.</param>
/// <param name="RemoteAddress">Who is pushing, for logs.</param>
/// <param name="Tracks">The tracks the connection's header announced.</param>
[GenerateSerializer, Immutable]
public sealed record IngestOpening(string ConnectionId, string StreamId, string? EventId, string? RemoteAddress, ImmutableArray<TrackInfo> Tracks)
{
    /// <summary>
    /// The upstream point's session id when the connection comes from a server of the tier above (push output or pull
    /// input) rather than an encoder: a Stopped point starts a fresh session for a new upstream session (the upstream
    /// already decided to restart), and adopts its id so the tiers below follow too.
    /// </summary>
    [Id(5)]
    public string? UpstreamSessionId { get; init; }

    /// <summary>The session's wall clock as the tier above decided it (<see cref="Tiers.TierHeaders.Anchor"/>), adopted by this point; null from encoders.</summary>
    [Id(6)]
    public DateTimeOffset? Anchor { get; init; }

    /// <summary>Whether the point's own pull input opens the connection; any other publisher of a restreamed point makes it a local point.</summary>
    [Id(7)]
    public bool FromPullInput { get; init; }
}

/// <summary>The point's answer to <see cref="IngestOpening"/>.</summary>
/// <param name="Accepted">Whether the connection may push.</param>
/// <param name="StatusCode">HTTP status to answer when refused.</param>
/// <param name="Reason">Why it was refused, in words for the encoder's operator.</param>
/// <param name="SessionEpoch">The session the connection's fragments belong to.</param>
/// <param name="TrackKeys">Track grain key for each announced track, in the order of <see cref="IngestOpening.Tracks"/>.</param>
[GenerateSerializer, Immutable]
public sealed record IngestAdmission(bool Accepted, int StatusCode, string? Reason, long SessionEpoch, ImmutableArray<string> TrackKeys)
{
    /// <summary>The session's wall clock when already decided; null means the connection's first fragment proposes it (<see cref="IPublishingPointGrain.ProposeAnchorAsync"/>).</summary>
    [Id(5)]
    public DateTimeOffset? Anchor { get; init; }

    /// <summary>Whether this connection created the point (auto-create), for the per-client quota.</summary>
    [Id(6)]
    public bool Created { get; init; }

    /// <summary>A refusal.</summary>
    public static IngestAdmission Refuse(int statusCode, string reason) => new(false, statusCode, reason, 0, []);
}

/// <summary>How an encoder connection ended.</summary>
public enum IngestEnd
{
    /// <summary>The encoder sent the empty mfra or finished its body: the stream is over.</summary>
    EndOfStream,

    /// <summary>The connection broke or was refused mid-stream; the encoder may come back.</summary>
    Lost,
}
