using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Dash;

/// <summary>What an MPD describes: one period of adaptation sets, live (dynamic) or ended (static).</summary>
public sealed record MpdModel
{
    /// <summary>One adaptation set per (kind, name, language).</summary>
    public required ImmutableArray<MpdAdaptationSet> AdaptationSets { get; init; }

    /// <summary>Whether the stream has ended: the MPD becomes static with a mediaPresentationDuration.</summary>
    public bool Ended { get; init; }

    /// <summary>Wall-clock time of media time 0 (MPD@availabilityStartTime); live only.</summary>
    public DateTimeOffset AvailabilityStartTime { get; init; }

    /// <summary>When this MPD was generated (MPD@publishTime).</summary>
    public DateTimeOffset PublishTime { get; init; }

    /// <summary>The DVR window (MPD@timeShiftBufferDepth); live only.</summary>
    public TimeSpan TimeShiftBufferDepth { get; init; }

    /// <summary>How often players refetch the MPD (MPD@minimumUpdatePeriod); live only.</summary>
    public TimeSpan MinimumUpdatePeriod { get; init; }

    /// <summary>How far behind the live edge players start (MPD@suggestedPresentationDelay); live only.</summary>
    public TimeSpan SuggestedPresentationDelay { get; init; }

    /// <summary>MPD@minBufferTime (mandatory in every MPD).</summary>
    public TimeSpan MinBufferTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>URL of an HTTP date source for UTCTiming (urn:mpeg:dash:utc:http-iso:2014); null writes none.</summary>
    public string? UtcTimingUrl { get; init; }
}

/// <summary>
/// An adaptation set: representations sharing one timeline (Smooth quality levels of a stream share fragment times),
/// hence one SegmentTemplate at set level.
/// </summary>
public sealed record MpdAdaptationSet
{
    /// <summary>Video, audio or text.</summary>
    public required TrackKind Kind { get; init; }

    /// <summary>RFC 5646 language (AdaptationSet@lang), when known.</summary>
    public string? Language { get; init; }

    /// <summary>Ticks per second of the timeline.</summary>
    public required long Timescale { get; init; }

    /// <summary>The segments in the window, in time order.</summary>
    public required IReadOnlyList<TimelineEntry> Timeline { get; init; }

    /// <summary>SegmentTemplate@initialization, such as <c>QualityLevels($Bandwidth$)/init.mp4</c>.</summary>
    public required string InitializationTemplate { get; init; }

    /// <summary>SegmentTemplate@media, such as <c>QualityLevels($Bandwidth$)/Fragments(video=$Time$,format=m4s)</c>.</summary>
    public required string MediaTemplate { get; init; }

    /// <summary>The representations (quality levels).</summary>
    public required ImmutableArray<MpdRepresentation> Representations { get; init; }
}

/// <summary>A representation (one quality level of a stream).</summary>
/// <param name="Id">Representation@id, unique in the period; replaces <c>$RepresentationID$</c>.</param>
/// <param name="Bandwidth">Bits per second; replaces <c>$Bandwidth$</c>.</param>
/// <param name="Codecs">RFC 6381 codec string.</param>
public sealed record MpdRepresentation(string Id, int Bandwidth, string Codecs)
{
    /// <summary>Video width in pixels (0 = not written).</summary>
    public int Width { get; init; }

    /// <summary>Video height in pixels (0 = not written).</summary>
    public int Height { get; init; }

    /// <summary>Video frames per second, when known.</summary>
    public double? FrameRate { get; init; }

    /// <summary>Audio sampling rate in Hz (0 = not written).</summary>
    public int SamplingRate { get; init; }

    /// <summary>Audio channel count (0 = not written).</summary>
    public int Channels { get; init; }
}
