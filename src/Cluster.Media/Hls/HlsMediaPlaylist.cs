using Cluster.Media.Model;

namespace Cluster.Media.Hls;

/// <summary>What a media playlist of one track lists: a window of its timeline, with fMP4 (CMAF) segments.</summary>
public sealed record HlsMediaPlaylist
{
    /// <summary>Ticks per second of the entries' times.</summary>
    public required long Timescale { get; init; }

    /// <summary>The segments in the window, in time order; each one is a fragment.</summary>
    public required IReadOnlyList<TimelineEntry> Entries { get; init; }

    /// <summary>Media sequence number of the first entry; see <see cref="HlsPlaylistWriter.MediaSequenceFor"/>.</summary>
    public required long MediaSequence { get; init; }

    /// <summary>
    /// Number of discontinuities (timeline gaps) that have left the window before its first entry (EXT-X-DISCONTINUITY-
    /// SEQUENCE). The window alone cannot tell, so whoever trims the window counts them; 0 omits the tag.
    /// </summary>
    public long DiscontinuitySequence { get; init; }

    /// <summary>URI of the CMAF header (EXT-X-MAP).</summary>
    public required string InitUri { get; init; }

    /// <summary>Segment URI with a <c>{time}</c> placeholder that becomes the entry's start time.</summary>
    public required string SegmentUriTemplate { get; init; }

    /// <summary>Wall-clock time of media time 0, for EXT-X-PROGRAM-DATE-TIME; null writes none.</summary>
    public DateTimeOffset? ProgramDateTimeAnchor { get; init; }

    /// <summary>Whether the stream has ended (EXT-X-ENDLIST).</summary>
    public bool Ended { get; init; }
}
