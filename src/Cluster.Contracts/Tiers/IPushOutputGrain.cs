using Cluster.Contracts.PublishingPoints;
using Cluster.Media.Model;
using Orleans.Concurrency;

namespace Cluster.Contracts.Tiers;

/// <summary>
/// One push output of a point (key <see cref="TierGrainKey.Of"/>: the point and the downstream URL), on the point's
/// silo. It follows the point's session by reading each track as a stream (<see cref="Tracks.ITrackGrain.ReadFragmentsAfterAsync"/>)
/// and POSTs it downstream in the Smooth push format, retrying with backoff; the point tells it what to follow.
/// </summary>
public interface IPushOutputGrain : IGrainWithStringKey
{
    /// <summary>Starts following a session; one of an older epoch than the one followed is ignored.</summary>
    Task FollowAsync(PushSession session);

    /// <summary>A track joined session <paramref name="epoch"/>: its POST starts.</summary>
    Task AddTrackAsync(long epoch, string trackKey, TrackInfo info);

    /// <summary>Stops the POSTs of session <paramref name="epoch"/> (the point deactivates or drops this output) at once.</summary>
    Task StopAsync(long epoch);

    /// <summary>The output's statistics; null when it follows nothing.</summary>
    [AlwaysInterleave]
    Task<PushOutputStatus?> GetStatusAsync();
}

/// <summary>What a push output sends downstream of the session it follows.</summary>
/// <param name="Epoch">The point's session counter; track reads of another epoch mean the session is over.</param>
/// <param name="SessionId">The session's id, sent downstream (<see cref="TierHeaders.Session"/>) so the next tier can tell a restart from a reconnect.</param>
/// <param name="EventId">The event id, if any (also sent downstream).</param>
[GenerateSerializer, Immutable]
public sealed record PushSession(long Epoch, string SessionId, string? EventId);
