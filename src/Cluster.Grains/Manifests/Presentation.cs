using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Cluster.Contracts.PublishingPoints;
using Cluster.Contracts.Tracks;
using Cluster.Grains.PublishingPoints;
using Cluster.Media.Model;
using Cluster.Media.MpegTs;

namespace Cluster.Grains.Manifests;

/// <summary>
/// What every output format lists, computed once from a point's state and track timelines: streams (one per kind and
/// name, its quality levels told apart by bitrate) and, per stream, the fragments all its levels hold. Smooth, HLS and
/// DASH are written from this one model, so they always list the same fragments with the same times.
/// </summary>
internal sealed record Presentation(
    bool IsLive,
    ImmutableArray<PresentationStream> Streams,
    PublishingPointSettings Settings,
    DateTimeOffset? Anchor,
    DateTimeOffset Published)
{
    public static Presentation Build(PointView view, TrackTimeline[] timelines)
    {
        var isLive = view.State is PublishingPointState.Starting or PublishingPointState.Started or PublishingPointState.Stopping
            && !Array.TrueForAll(timelines, t => t.Ended);
        var streams = ImmutableArray.CreateBuilder<PresentationStream>();
        DateTimeOffset? anchor = null;
        long latestEndTicks = 0;
        foreach (var group in timelines
            .Where(t => t.Info is not null && t.Count > 0)
            .GroupBy(t => (t.Info!.Kind, t.Info.Name))
            .OrderBy(g => g.Key.Kind))
        {
            var levels = group.OrderByDescending(t => t.Info!.Bitrate).ToArray();
            var timeline = CommonEntries(levels);
            if (timeline.Count == 0)
            {
                continue;
            }

            foreach (var level in levels)
            {
                anchor = level.Anchor is { } a && (anchor is null || a < anchor) ? a : anchor;
            }

            latestEndTicks = Math.Max(latestEndTicks, (long)((Int128)timeline[^1].End * TimeSpan.TicksPerSecond / levels[0].Info!.Timescale));

            var first = levels[0];
            streams.Add(new PresentationStream(
                group.Key.Kind,
                group.Key.Name,
                first.Info!.Language,
                [.. levels.Select(t => t.Info!)],
                timeline,
                first.Info.Timescale,
                first[0].Samples[0].Duration,
                [.. levels.Select(l => MeasureRate(l, f => f.Data.Length))],
                new Lazy<BitRate[]>(() => [.. levels.Select(l => MeasureRate(l, f => TsLength(f, l.Info!.Kind)))])));
        }

        // The newest listed media's wall-clock time: the same on every node holding the same fragments, unlike an arrival time.
        var published = (anchor ?? DateTimeOffset.UnixEpoch).AddTicks(latestEndTicks);
        return new Presentation(isLive, streams.ToImmutable(), view.Settings, anchor, published);
    }

    /// <summary>The stream of that kind-independent name holding a level of that bitrate, if any.</summary>
    public (PresentationStream Stream, TrackInfo Level)? Find(string name, int bitrate)
    {
        foreach (var stream in Streams)
        {
            if (stream.Name == name && Array.Find(stream.Levels, l => l.Bitrate == bitrate) is { } level)
            {
                return (stream, level);
            }
        }

        return null;
    }

    /// <summary>Earliest start and latest end over all streams, in seconds.</summary>
    public (double Start, double End) Span()
    {
        double start = double.MaxValue, end = double.MinValue;
        foreach (var stream in Streams)
        {
            start = Math.Min(start, (double)stream.Timeline[0].Time / stream.Timescale);
            end = Math.Max(end, (double)stream.Timeline[^1].End / stream.Timescale);
        }

        return Streams.IsEmpty ? (0, 0) : (start, end);
    }

    /// <summary>Stored fragments never change, so each one's TS size bound is worked out once, and goes with it.</summary>
    private static readonly ConditionalWeakTable<Fragment, StrongBox<long>> TsLengths = new();

    private static long TsLength(Fragment fragment, TrackKind kind) =>
        TsLengths.GetValue(fragment, f => new StrongBox<long>(TsSegmentWriter.MaxLength(f, kind))).Value;

    /// <summary>
    /// Peak and average bit rate of a level's fragments in the window, from their sizes and durations: HLS's BANDWIDTH
    /// is the peak segment rate and AVERAGE-BANDWIDTH the average (RFC 8216 4.3.4.2), which an encoder's nominal
    /// bitrate only approximates. <paramref name="bytesOf"/> says what a fragment weighs as served.
    /// </summary>
    internal static BitRate MeasureRate(TrackTimeline level, Func<Fragment, long> bytesOf)
    {
        long bytes = 0, ticks = 0;
        double peak = 0;
        var timescale = level.Info!.Timescale;
        for (var i = 0; i < level.Count; i++)
        {
            var fragment = level[i];
            var size = bytesOf(fragment);
            bytes += size;
            ticks += fragment.Duration;
            if (fragment.Duration > 0)
            {
                peak = Math.Max(peak, size * 8.0 * timescale / fragment.Duration);
            }
        }

        return ticks > 0 ? new BitRate((int)Math.Ceiling(peak), (int)Math.Ceiling(bytes * 8.0 * timescale / ticks)) : new BitRate(level.Info.Bitrate, level.Info.Bitrate);
    }

    /// <summary>
    /// The fragments every quality level of a stream holds: a player may switch level at any fragment, so only times
    /// present in all of them may be listed (a level whose encoder joined late or lost a fragment must not cause 404s).
    /// </summary>
    internal static List<TimelineEntry> CommonEntries(TrackTimeline[] levels)
    {
        var result = new List<TimelineEntry>(levels[0].Count);
        var positions = new int[levels.Length];
        var reference = levels[0];
        for (var i = 0; i < reference.Count; i++)
        {
            var candidate = reference[i];
            var everywhere = true;
            for (var l = 1; l < levels.Length && everywhere; l++)
            {
                var level = levels[l];
                ref var p = ref positions[l];
                while (p < level.Count && level[p].Time < candidate.Time)
                {
                    p++;
                }

                everywhere = p < level.Count && level[p].Time == candidate.Time;
            }

            if (everywhere)
            {
                result.Add(new TimelineEntry(candidate.Time, candidate.Duration));
            }
        }

        return result;
    }
}

/// <summary>One stream of a presentation.</summary>
/// <param name="Kind">Video, audio or text.</param>
/// <param name="Name">Stream name (Smooth StreamIndex Name; used in every URL).</param>
/// <param name="Language">Language, when known.</param>
/// <param name="Levels">Quality levels, highest bitrate first.</param>
/// <param name="Timeline">Fragments every level holds.</param>
/// <param name="Timescale">Ticks per second of the timeline.</param>
/// <param name="SampleDuration">Duration of the first sample, for the video frame rate.</param>
/// <param name="Rates">Measured bit rates of each level, in <paramref name="Levels"/> order.</param>
/// <param name="TsRates">The same as served in MPEG-2 TS segments (their packet, PES and ADTS overhead included, as a bound); worked out only for a TS playlist, since it walks every sample.</param>
internal sealed record PresentationStream(
    TrackKind Kind,
    string Name,
    string? Language,
    TrackInfo[] Levels,
    List<TimelineEntry> Timeline,
    long Timescale,
    uint SampleDuration,
    BitRate[] Rates,
    Lazy<BitRate[]> TsRates)
{
    /// <summary>Frames per second for video, from the sample duration; null when unknown.</summary>
    public double? FrameRate => Kind == TrackKind.Video && SampleDuration > 0 ? Math.Round((double)Timescale / SampleDuration, 3) : null;

    /// <summary>Longest fragment, in seconds.</summary>
    public double MaxFragmentSeconds()
    {
        long max = 0;
        foreach (var entry in Timeline)
        {
            max = Math.Max(max, entry.Duration);
        }

        return (double)max / Timescale;
    }
}

/// <summary>Bit rates measured over fragments, in bits per second.</summary>
internal readonly record struct BitRate(int Peak, int Average);
