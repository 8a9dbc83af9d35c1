using System.Runtime.CompilerServices;
using Cluster.Media.Boxes;
using Cluster.Media.Cmaf;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Gateway.Playback;

/// <summary>A response header (the boxes before the media data) with its ETag, built once.</summary>
internal sealed record CachedHeader(byte[] Bytes, string ETag);

/// <summary>
/// Headers of fragment responses that can no longer change: a CMAF segment's (no look-ahead) and a Smooth fragment's
/// once its tfrf look-ahead is complete. Entries live exactly as long as their fragment does (the DVR window trims
/// the fragment, the cache entry goes with it), so hot fragments cost no box writing per request.
/// </summary>
internal sealed class FragmentHeaderCache
{
    private readonly ConditionalWeakTable<Fragment, Entry> _entries = new();

    public CachedHeader Cmaf(Fragment fragment, uint sequenceNumber)
    {
        var entry = _entries.GetOrCreateValue(fragment);
        if (entry.Cmaf is { } cached)
        {
            return cached;
        }

        var writer = new BoxWriter(256 + (fragment.Samples.Length * 16));
        CmafSegmentWriter.WriteHeader(writer, fragment, 1, sequenceNumber);
        return entry.Cmaf = new CachedHeader(writer.ToArray(), $"\"c{fragment.Time:x}-{fragment.Data.Length:x}\"");
    }

    /// <summary>
    /// The Smooth header for this look-ahead; cached when <paramref name="complete"/> (the look-ahead will not grow),
    /// built per request while the fragment is near the live edge.
    /// </summary>
    public CachedHeader Smooth(Fragment fragment, uint sequenceNumber, ReadOnlySpan<TimelineEntry> lookahead, bool live, bool complete)
    {
        var entry = complete ? _entries.GetOrCreateValue(fragment) : null;
        if (entry?.Smooth is { } cached)
        {
            return cached;
        }

        var writer = new BoxWriter(256 + (fragment.Samples.Length * 16) + (lookahead.Length * 16));
        SmoothFragmentWriter.WriteHeader(writer, fragment, 1, sequenceNumber, lookahead, live);
        var header = new CachedHeader(writer.ToArray(), $"\"{fragment.Time:x}-{fragment.Data.Length:x}-{lookahead.Length}{(live ? "l" : "")}\"");
        if (entry is not null)
        {
            entry.Smooth = header;
        }

        return header;
    }

    private sealed class Entry
    {
        public CachedHeader? Cmaf { get; set; }

        public CachedHeader? Smooth { get; set; }
    }
}
