using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Grains.Archive;

/// <summary>
/// The archived sessions on this node's disk, addressed by playback path
/// (<c>{ArchiveOptions.PlaybackPath}/{point path}/{session name}</c>), so an archive can be served as a stopped point.
/// </summary>
public interface IArchiveLibrary
{
    /// <summary>Whether <paramref name="pointPath"/> has the form of an archive playback path (no disk access).</summary>
    bool IsPlaybackPath(string pointPath);

    /// <summary>
    /// Reads the archived session a playback path names, from any archive folder in use; null when
    /// <paramref name="pointPath"/> is no playback path, names no archived session, or the session holds no fragment.
    /// A session being recorded, or whose recorder stopped without finalizing it (a crash), yields the fragments fully
    /// written so far.
    /// </summary>
    Task<ArchivedSession?> TryLoadAsync(string pointPath, CancellationToken ct);

    /// <summary>Playback paths of every archived session found, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken ct);
}

/// <summary>An archived session, read back from its files.</summary>
/// <param name="EventId">The session's event id, when it had one.</param>
/// <param name="Tracks">The tracks holding at least one fragment, video first, then audio and text; each kind by name, highest bitrate first.</param>
public sealed record ArchivedSession(string? EventId, ImmutableArray<ArchivedTrack> Tracks)
{
    /// <summary>When the session started, when known (from the session's <c>archive.json</c>).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Whether the recorder saw the session end and finalized the archive (mfra and VOD manifests written).</summary>
    public bool Finalized { get; init; }
}

/// <summary>One archived track.</summary>
/// <param name="Info">Codec and naming, as the archive file's header describes it (its track id is the file's, 1).</param>
/// <param name="Fragments">Every fragment in time order, over all the track's files.</param>
public sealed record ArchivedTrack(TrackInfo Info, ImmutableArray<Fragment> Fragments);
