using Cluster.Media.Model;

namespace Cluster.Contracts.Tracks;

/// <summary>
/// An immutable view of a track's index at one moment. Fragments are in time order, within the DVR window; a reader
/// holding a view keeps seeing exactly it while the track moves on.
/// </summary>
[Orleans.ImmutableAttribute]
public sealed class TrackTimeline
{
    private readonly Fragment[] _fragments;
    private readonly int _start;

    /// <summary>Creates a view over <paramref name="fragments"/>[<paramref name="start"/>..<paramref name="end"/>), which the owner never changes.</summary>
    public TrackTimeline(TrackInfo? info, Fragment[] fragments, int start, int end, long firstSequence, long version, bool ended, DateTimeOffset lastModified, int lookaheadCount, DateTimeOffset? anchor = null)
    {
        _fragments = fragments;
        _start = start;
        Count = end - start;
        Info = info;
        FirstSequence = firstSequence;
        Version = version;
        Ended = ended;
        LastModified = lastModified;
        LookaheadCount = lookaheadCount;
        Anchor = anchor;
    }

    /// <summary>An empty view of an unbound track.</summary>
    public static TrackTimeline Empty { get; } = new(null, [], 0, 0, 0, 0, false, DateTimeOffset.MinValue, 0);

    /// <summary>The track, once a session bound it.</summary>
    public TrackInfo? Info { get; }

    /// <summary>Number of fragments in the view.</summary>
    public int Count { get; }

    /// <summary>Sequence number (count since the session began) of the first fragment in the view.</summary>
    public long FirstSequence { get; }

    /// <summary>Increases with every change of the index; equal versions mean equal views.</summary>
    public long Version { get; }

    /// <summary>Whether the stream has ended (VOD from now on).</summary>
    public bool Ended { get; }

    /// <summary>When the newest fragment arrived.</summary>
    public DateTimeOffset LastModified { get; }

    /// <summary>
    /// Wall-clock time of media time zero, fixed when the session's first fragment arrived (arrival minus the
    /// fragment's end): DASH availabilityStartTime and HLS PROGRAM-DATE-TIME derive from it.
    /// </summary>
    public DateTimeOffset? Anchor { get; }

    /// <summary>How many following fragments a served fragment announces.</summary>
    public int LookaheadCount { get; }

    /// <summary>The fragment at position <paramref name="index"/> of the view.</summary>
    public Fragment this[int index] => (uint)index < (uint)Count ? _fragments[_start + index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Position of the fragment starting exactly at <paramref name="time"/>, or -1.</summary>
    public int IndexOf(long time) => Search(_fragments, _start, Count, time);

    /// <summary>
    /// Position of the fragment starting at <paramref name="time"/>, or within <paramref name="tolerance"/> ticks of it,
    /// or -1. Players in JavaScript hold times as doubles, exact only up to 2^53: a timeline counted from the Unix epoch
    /// at 10 MHz (about 1.8 x 10^16) comes back in their segment URLs a tick or two off.
    /// </summary>
    public int IndexNear(long time, long tolerance)
    {
        var exact = IndexOf(time);
        if (exact >= 0 || tolerance <= 0)
        {
            return exact;
        }

        var next = FirstAfter(time);
        if (next < Count && _fragments[_start + next].Time - time <= tolerance)
        {
            return next;
        }

        return next > 0 && time - _fragments[_start + next - 1].Time <= tolerance ? next - 1 : -1;
    }

    /// <summary>Position relative to <paramref name="start"/> of the fragment starting at <paramref name="time"/> among time-ordered fragments, or -1.</summary>
    public static int Search(Fragment[] fragments, int start, int count, long time)
    {
        int lo = 0, hi = count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var t = fragments[start + mid].Time;
            if (t == time)
            {
                return mid;
            }

            if (t < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>Position of the first fragment starting after <paramref name="time"/> (exclusive); <see cref="Count"/> when there is none.</summary>
    public int FirstAfter(long time)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (_fragments[_start + mid].Time <= time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Time and duration of each fragment, in order.</summary>
    public TimelineEntry[] ToEntries()
    {
        var entries = new TimelineEntry[Count];
        for (var i = 0; i < entries.Length; i++)
        {
            var f = _fragments[_start + i];
            entries[i] = new TimelineEntry(f.Time, f.Duration);
        }

        return entries;
    }
}
