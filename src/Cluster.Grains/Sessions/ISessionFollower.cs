using Cluster.Contracts.PublishingPoints;
using Cluster.Media.Model;

namespace Cluster.Grains.Sessions;

/// <summary>
/// Follows one session of a publishing point outside the point's turns, reading its tracks as streams
/// (<see cref="Contracts.Tracks.ITrackGrain.ReadFragmentsAfterAsync"/>): a push output (a grain of its own, this being
/// the point's handle on it), the live archive. A follower ends by itself when every track's stream has ended or the
/// session changed; disposing it stops it at once.
/// </summary>
internal interface ISessionFollower : IAsyncDisposable
{
    /// <summary>A track joined the session. Called in the point's turn, so it must return at once.</summary>
    ValueTask OnTrackAddedAsync(string trackKey, TrackInfo info);

    /// <summary>The follower's statistics when it is a push output; null otherwise.</summary>
    ValueTask<PushOutputStatus?> GetPushStatusAsync() => ValueTask.FromResult<PushOutputStatus?>(null);
}

/// <summary>Creates the followers a session needs (none when the point's settings ask for none).</summary>
internal interface ISessionFollowerFactory
{
    /// <summary>Followers for the session that just started. Called in the point's turn.</summary>
    ValueTask<IReadOnlyList<ISessionFollower>> CreateAsync(PointSession session);
}

/// <summary>What a follower knows of the session it follows.</summary>
/// <param name="PointPath">The point, e.g. <c>live/event1</c>.</param>
/// <param name="Epoch">The point's session counter; track reads of another epoch mean the session is over.</param>
/// <param name="SessionId">The session's id, sent downstream so the next tier can tell a restart from a reconnect.</param>
/// <param name="EventId">The event id, if any (also sent downstream).</param>
/// <param name="StartedAt">When the session started.</param>
/// <param name="Settings">The point's settings when it started.</param>
/// <param name="Grains">For reading the tracks.</param>
internal sealed record PointSession(
    string PointPath,
    long Epoch,
    string SessionId,
    string? EventId,
    DateTimeOffset StartedAt,
    PublishingPointSettings Settings,
    IGrainFactory Grains);
