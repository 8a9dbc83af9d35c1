using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Contracts.Tracks;

/// <summary>What a request for one fragment finds.</summary>
public enum FragmentReadStatus
{
    /// <summary>The fragment is held.</summary>
    Found,

    /// <summary>No fragment starts at that time (yet): 404.</summary>
    NotFound,

    /// <summary>It started before the oldest fragment held: it left the DVR window (410).</summary>
    Gone,
}

/// <summary>
/// One fragment and what its response needs (sequence number, the look-ahead Smooth's tfrf announces): small enough to
/// cross between silos, unlike a whole <see cref="TrackTimeline"/>.
/// </summary>
/// <param name="Status">Whether it was found.</param>
/// <param name="Fragment">The fragment, when found.</param>
/// <param name="SequenceNumber">Its number since the session began, from 1.</param>
/// <param name="Lookahead">Up to <paramref name="LookaheadCount"/> following fragments.</param>
/// <param name="LookaheadCount">How many following fragments a complete look-ahead has.</param>
/// <param name="Ended">Whether the stream has ended (no more fragments will follow).</param>
/// <param name="Kind">The track's kind, for the content type.</param>
[GenerateSerializer, Immutable]
public sealed record FragmentRead(
    FragmentReadStatus Status,
    Fragment? Fragment,
    long SequenceNumber,
    ImmutableArray<TimelineEntry> Lookahead,
    int LookaheadCount,
    bool Ended,
    TrackKind? Kind)
{
    /// <summary>2^53: integers beyond it are not all exact as doubles.</summary>
    private const long DoublePrecise = 1L << 53;

    /// <summary>Whether the look-ahead will not grow any more, so the response can be cached for good.</summary>
    public bool LookaheadComplete => Ended || Lookahead.Length >= LookaheadCount;

    /// <summary>
    /// Reads the fragment starting at <paramref name="time"/> from a view, or within 0.1 ms of it when that is beyond
    /// what a double holds exactly (see <see cref="TrackTimeline.IndexNear"/>); no two fragments start that close.
    /// </summary>
    public static FragmentRead From(TrackTimeline timeline, long time)
    {
        var index = Math.Abs(time) > DoublePrecise ? timeline.IndexNear(time, (timeline.Info?.Timescale ?? 0) / 10_000) : timeline.IndexOf(time);
        if (index < 0)
        {
            var status = timeline.Count > 0 && time < timeline[0].Time ? FragmentReadStatus.Gone : FragmentReadStatus.NotFound;
            return new FragmentRead(status, null, 0, [], timeline.LookaheadCount, timeline.Ended, timeline.Info?.Kind);
        }

        var count = Math.Min(timeline.LookaheadCount, timeline.Count - index - 1);
        var lookahead = ImmutableArray.CreateBuilder<TimelineEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var next = timeline[index + 1 + i];
            lookahead.Add(new TimelineEntry(next.Time, next.Duration));
        }

        return new FragmentRead(
            FragmentReadStatus.Found,
            timeline[index],
            timeline.FirstSequence + index + 1,
            lookahead.MoveToImmutable(),
            timeline.LookaheadCount,
            timeline.Ended,
            timeline.Info?.Kind);
    }
}
