using Cluster.Contracts.Tracks;
using Cluster.Media.Model;

namespace Cluster.Contracts.Serialization;

/// <summary>
/// A <see cref="TrackTimeline"/> on the wire: only the fragments of its view (not the whole array it is a window of).
/// Local calls never get here: the timeline is <c>[Immutable]</c>, so a colocated point reads the track's own view.
/// </summary>
[GenerateSerializer]
public struct TrackTimelineSurrogate
{
    /// <summary>See <see cref="TrackTimeline.Info"/>.</summary>
    [Id(0)] public TrackInfo? Info;

    /// <summary>The fragments of the view, in order.</summary>
    [Id(1)] public Fragment[] Fragments;

    /// <summary>See <see cref="TrackTimeline.FirstSequence"/>.</summary>
    [Id(2)] public long FirstSequence;

    /// <summary>See <see cref="TrackTimeline.Version"/>.</summary>
    [Id(3)] public long Version;

    /// <summary>See <see cref="TrackTimeline.Ended"/>.</summary>
    [Id(4)] public bool Ended;

    /// <summary>See <see cref="TrackTimeline.LastModified"/>.</summary>
    [Id(5)] public DateTimeOffset LastModified;

    /// <summary>See <see cref="TrackTimeline.LookaheadCount"/>.</summary>
    [Id(6)] public int LookaheadCount;

    /// <summary>See <see cref="TrackTimeline.Anchor"/>.</summary>
    [Id(7)] public DateTimeOffset? Anchor;
}

/// <summary>Converts timelines to and from <see cref="TrackTimelineSurrogate"/>.</summary>
[RegisterConverter]
public sealed class TrackTimelineConverter : IConverter<TrackTimeline, TrackTimelineSurrogate>
{
    /// <inheritdoc/>
    public TrackTimeline ConvertFromSurrogate(in TrackTimelineSurrogate s)
    {
        var fragments = s.Fragments ?? [];
        return new TrackTimeline(s.Info, fragments, 0, fragments.Length, s.FirstSequence, s.Version, s.Ended, s.LastModified, s.LookaheadCount, s.Anchor);
    }

    /// <inheritdoc/>
    public TrackTimelineSurrogate ConvertToSurrogate(in TrackTimeline value)
    {
        var fragments = new Fragment[value.Count];
        for (var i = 0; i < fragments.Length; i++)
        {
            fragments[i] = value[i];
        }

        return new()
        {
            Info = value.Info,
            Fragments = fragments,
            FirstSequence = value.FirstSequence,
            Version = value.Version,
            Ended = value.Ended,
            LastModified = value.LastModified,
            LookaheadCount = value.LookaheadCount,
            Anchor = value.Anchor,
        };
    }
}
