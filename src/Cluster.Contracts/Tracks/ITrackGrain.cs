using System.Collections.Immutable;
using Cluster.Media.Model;
using Orleans.Concurrency;

namespace Cluster.Contracts.Tracks;

/// <summary>One track of a publishing point (key: <c>{point}/{name}_{bitrate}</c>): its fragment index and DVR window.</summary>
public interface ITrackGrain : IGrainWithStringKey
{
    /// <summary>Binds the track to a session; a newer epoch drops what an older session left.</summary>
    Task BindAsync(TrackBinding binding);

    /// <summary>Stores a fragment once; duplicates and late arrivals are reported, not stored.</summary>
    Task<AddFragmentResult> AddFragmentAsync(long sessionEpoch, Fragment fragment);

    /// <summary>Marks the session's stream as ended (no more fragments expected) or live again.</summary>
    Task SetEndedAsync(long sessionEpoch, bool ended);

    /// <summary>Drops every fragment and moves to <paramref name="sessionEpoch"/>, so older sessions' fragments are refused.</summary>
    Task ClearAsync(long sessionEpoch);

    /// <summary>The session's wall clock as its point decided it (ignored for another session).</summary>
    Task SetAnchorAsync(long sessionEpoch, DateTimeOffset anchor);

    /// <summary>The current immutable view of the index: track info and fragments within the DVR window.</summary>
    [AlwaysInterleave]
    Task<TrackTimeline> GetTimelineAsync();

    /// <summary>The track's CMAF header (init segment), built once per session; null while the track is unbound.</summary>
    [AlwaysInterleave]
    Task<CmafTrackHeader?> GetCmafHeaderAsync();

    /// <summary>
    /// The fragment starting at <paramref name="time"/>. When it is the next one at the live edge and not there yet,
    /// waits up to <paramref name="wait"/> (at most <see cref="LongPoll.MaxWait"/>) for it (for players asking just ahead
    /// of the live edge); a caller that goes away cancels the wait through <paramref name="cancellationToken"/>.
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout(LongPoll.ResponseTimeout)]
    Task<FragmentRead> ReadFragmentAsync(long time, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>
    /// The track as a rewindable stream (what push outputs, pull outputs and the archive subscribe to): up to
    /// <paramref name="maxCount"/> fragments starting after <paramref name="after"/> (exclusive; <see cref="long.MinValue"/>
    /// reads from the oldest held), oldest first. When there is none yet and the stream is live, waits up to
    /// <paramref name="wait"/> (at most <see cref="LongPoll.MaxWait"/>) for the next one.
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout(LongPoll.ResponseTimeout)]
    Task<TrackStreamRead> ReadFragmentsAfterAsync(long after, int maxCount, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>The track's codec and naming for the current session; null while unbound.</summary>
    [AlwaysInterleave]
    Task<TrackInfo?> GetInfoAsync();
}

/// <summary>A batch of a track's stream.</summary>
/// <param name="Fragments">Fragments after the asked time, oldest first; possibly none.</param>
/// <param name="SessionEpoch">The session they belong to; a change means the stream a reader followed is over.</param>
/// <param name="Bound">Whether the track belongs to a session at all (false once cleared by a shutdown or a new session).</param>
/// <param name="Ended">Whether the stream has ended and <paramref name="Fragments"/> reaches its last fragment.</param>
[GenerateSerializer, Immutable]
public sealed record TrackStreamRead(ImmutableArray<Fragment> Fragments, long SessionEpoch, bool Bound, bool Ended)
{
    /// <summary>The session's wall clock (UTC of media time 0), when known: what a push output sends downstream.</summary>
    [Id(4)]
    public DateTimeOffset? Anchor { get; init; }

    /// <summary>
    /// The most media bytes one batch carries (8 MiB; one fragment more when a single fragment is larger), far below
    /// Orleans' message size limit (100 MB), so a reader catching up on a long DVR never builds an oversized message.
    /// </summary>
    public const int MaxBytes = 8 << 20;
}

/// <summary>A track's CMAF header (ftyp + moov), the kind of track it describes, and its ETag.</summary>
[GenerateSerializer, Immutable]
public sealed record CmafTrackHeader(TrackKind Kind, byte[] Bytes)
{
    [NonSerialized]
    private string? _etag;

    /// <summary>
    /// Changes whenever the bytes do (a new session with another codec setup); computed once per instance (lazily, as a
    /// deserialized copy runs no initializers), and the same on every gateway and silo, so a CDN revalidating against
    /// another gateway still gets 304.
    /// </summary>
    public string ETag => _etag ??= $"\"h{Bytes.Length:x}-{StableHash.Compute(Bytes):x16}\"";
}

/// <summary>What a session tells a track about itself.</summary>
/// <param name="SessionEpoch">The point's session counter.</param>
/// <param name="Info">Codec and naming from the encoder's header.</param>
/// <param name="DvrWindowLength">How much past to keep; zero keeps everything.</param>
/// <param name="LookaheadCount">How many following fragments a served fragment announces.</param>
[GenerateSerializer, Immutable]
public sealed record TrackBinding(long SessionEpoch, TrackInfo Info, TimeSpan DvrWindowLength, int LookaheadCount)
{
    /// <summary>The session's wall clock, when the point has decided it.</summary>
    [Id(4)]
    public DateTimeOffset? Anchor { get; init; }
}

/// <summary>Outcome of <see cref="ITrackGrain.AddFragmentAsync"/>.</summary>
public enum AddFragmentResult
{
    /// <summary>Stored and listed.</summary>
    Added,

    /// <summary>A fragment with this time is already stored (redundant encoder); ignored.</summary>
    Duplicate,

    /// <summary>Overlaps stored fragments (or falls before the window) without matching one; ignored.</summary>
    Late,

    /// <summary>The fragment's session is over (a newer session, a stop or a shutdown); the connection should stop.</summary>
    SessionClosed,
}
