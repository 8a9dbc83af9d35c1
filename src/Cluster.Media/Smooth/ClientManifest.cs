using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>What a Smooth client manifest (MS-SSTR 2.2.2) says: presentation attributes and the streams.</summary>
public sealed record ClientManifest
{
    /// <summary>Whether the presentation is live (adds IsLive, LookaheadCount and DVRWindowLength).</summary>
    public bool IsLive { get; init; }

    /// <summary>Duration in <see cref="TimeScale"/> units; 0 for a live presentation without end.</summary>
    public long Duration { get; init; }

    /// <summary>Ticks per second of all times; Smooth uses 10,000,000.</summary>
    public long TimeScale { get; init; } = 10_000_000;

    /// <summary>DVR window length in <see cref="TimeScale"/> units; 0 means an unlimited window.</summary>
    public long DvrWindowLength { get; init; }

    /// <summary>How many following fragments each live fragment announces in its tfrf.</summary>
    public int LookaheadCount { get; init; }

    /// <summary>The streams (StreamIndex elements).</summary>
    public required ImmutableArray<StreamIndexModel> Streams { get; init; }
}

/// <summary>One StreamIndex: a stream's quality levels and their shared fragment timeline.</summary>
public sealed record StreamIndexModel
{
    /// <summary>Default URL pattern; <c>{name}</c> is replaced by the stream's name when the manifest is written.</summary>
    public const string DefaultUrl = "QualityLevels({bitrate})/Fragments({name}={start time})";

    /// <summary>video, audio or text.</summary>
    public required TrackKind Kind { get; init; }

    /// <summary>Stream name, used in fragment URLs.</summary>
    public required string Name { get; init; }

    /// <summary>Quality levels in Index order.</summary>
    public required ImmutableArray<TrackInfo> QualityLevels { get; init; }

    /// <summary>Fragments in time order.</summary>
    public required IReadOnlyList<TimelineEntry> Timeline { get; init; }

    /// <summary>Ticks per second of this stream's times when they differ from the manifest's (MS-SSTR StreamTimeScale).</summary>
    public long? TimeScale { get; init; }

    /// <summary>Language, when known.</summary>
    public string? Language { get; init; }

    /// <summary>URL pattern; <see cref="DefaultUrl"/> when null.</summary>
    public string? Url { get; init; }
}
