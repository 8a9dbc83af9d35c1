using Cluster.Contracts.Tracks;
using Cluster.Media.Model;

namespace Cluster.Grains.Tracks;

/// <summary>
/// A track's fragments in time order, appended at the end and trimmed at the start. Slots a published
/// <see cref="TrackTimeline"/> can see are never written again, so readers need no lock: growth and compaction copy
/// into a new array and leave the old one to the readers still holding it.
/// </summary>
internal sealed class FragmentIndex
{
    private const int InitialCapacity = 64;

    private Fragment[] _items = new Fragment[InitialCapacity];
    private int _start;
    private int _end;

    /// <summary>Sequence number of the fragment at <c>_start</c>.</summary>
    public long FirstSequence { get; private set; }

    /// <summary>Media bytes of the fragments held (what the node's DVR budget counts).</summary>
    public long Bytes { get; private set; }

    /// <summary>Fragments currently held.</summary>
    public int Count => _end - _start;

    /// <summary>The newest fragment, if any.</summary>
    public Fragment? Last => _end > _start ? _items[_end - 1] : null;

    /// <summary>Whether a fragment starting exactly at <paramref name="time"/> is held.</summary>
    public bool Contains(long time) => TrackTimeline.Search(_items, _start, Count, time) >= 0;

    /// <summary>Appends a fragment that starts at or after the end of <see cref="Last"/>.</summary>
    public void Append(Fragment fragment)
    {
        if (_end == _items.Length)
        {
            Compact(Math.Max(InitialCapacity, Count * 2));
        }

        _items[_end++] = fragment;
        Bytes += fragment.Data.Length;
    }

    /// <summary>
    /// Puts a fragment that arrived after later ones (per-segment CMAF uploads can overtake each other) into the gap
    /// it belongs to, or before the first one held when it starts at or after <paramref name="windowStart"/> (a
    /// track whose window is not full yet: a redundant encoder's or a slow connection's first fragments arriving after
    /// another connection's later ones). Returns false when it overlaps a neighbour or is older than the window.
    /// Published views must not change, so the array is copied: rare, and linear in the window.
    /// </summary>
    public bool TryInsert(Fragment fragment, long windowStart = long.MaxValue)
    {
        var position = _start;
        while (position < _end && _items[position].Time < fragment.Time)
        {
            position++;
        }

        var fitsAfter = position == _start || _items[position - 1].End <= fragment.Time;
        var fitsBefore = position == _end || fragment.End <= _items[position].Time;
        if (!fitsAfter || !fitsBefore || position == _start && Count > 0 && fragment.Time < windowStart)
        {
            return false;
        }

        var items = new Fragment[Math.Max(InitialCapacity, (Count + 1) * 2)];
        Array.Copy(_items, _start, items, 0, position - _start);
        items[position - _start] = fragment;
        Array.Copy(_items, position, items, position - _start + 1, _end - position);
        _end = Count + 1;
        _start = 0;
        _items = items;
        Bytes += fragment.Data.Length;
        return true;
    }

    /// <summary>Drops fragments that end at or before <paramref name="time"/>, always keeping the newest.</summary>
    public void TrimEndingBefore(long time)
    {
        while (Count > 1 && _items[_start].End <= time)
        {
            Bytes -= _items[_start].Data.Length;
            _start++;
            FirstSequence++;
        }

        // Trimmed fragments stay referenced by the array until it is compacted; compacting once the dead prefix is an
        // eighth of the live part bounds that overhang while keeping the copying amortized constant per append.
        if (_start >= Math.Max(8, Count / 8))
        {
            Compact(Math.Max(InitialCapacity, Count * 2));
        }
    }

    /// <summary>Forgets everything; sequence numbers start again at zero.</summary>
    public void Clear()
    {
        _items = new Fragment[InitialCapacity];
        _start = 0;
        _end = 0;
        FirstSequence = 0;
        Bytes = 0;
    }

    /// <summary>An immutable view of the current contents.</summary>
    public TrackTimeline Snapshot(TrackInfo? info, long version, bool ended, DateTimeOffset lastModified, int lookaheadCount, DateTimeOffset? anchor = null) =>
        new(info, _items, _start, _end, FirstSequence, version, ended, lastModified, lookaheadCount, anchor);

    private void Compact(int capacity)
    {
        var items = new Fragment[capacity];
        Array.Copy(_items, _start, items, 0, Count);
        _end = Count;
        _start = 0;
        _items = items;
    }
}
