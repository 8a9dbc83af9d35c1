using Cluster.Media.Model;

namespace Cluster.Media.Hls;

/// <summary>What a media playlist of one track lists: a window of its timeline, with fMP4 (CMAF) or MPEG-2 TS segments.</summary>
public sealed record HlsMediaPlaylist
{
    /// <summary>The version fMP4 segments need (EXT-X-MAP in a playlist without I-frames: 6; we write 7, RFC 8216 7).</summary>
    public const int DefaultVersion = 7;

    /// <summary>EXT-X-VERSION; TS segments with no EXT-X-MAP need only 3 (decimal EXTINF durations).</summary>
    public int Version { get; init; } = DefaultVersion;

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

    /// <summary>URI of the CMAF header (EXT-X-MAP); null for MPEG-2 TS segments, which carry their own.</summary>
    public required string? InitUri { get; init; }

    /// <summary>Segment URI with a <c>{time}</c> placeholder that becomes the entry's start time.</summary>
    public required string SegmentUriTemplate { get; init; }

    /// <summary>Wall-clock time of media time 0, for EXT-X-PROGRAM-DATE-TIME; null writes none.</summary>
    public DateTimeOffset? ProgramDateTimeAnchor { get; init; }

    /// <summary>Whether the stream has ended (EXT-X-ENDLIST).</summary>
    public bool Ended { get; init; }
}
