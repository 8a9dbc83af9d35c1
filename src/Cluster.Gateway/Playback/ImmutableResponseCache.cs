using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Cluster.Gateway.Playback;

/// <summary>
/// What a cached playback response answers: one fragment of one track of a publishing point's session, packaged as a
/// Smooth fragment, a CMAF segment (HLS and DASH share the CMAF form) or an MPEG-2 TS segment.
/// </summary>
/// <param name="Point">The publishing point path, as in the URL (and the grain key).</param>
/// <param name="SessionEpoch">The point's session when the response was read; a new session may reuse times with other bytes.</param>
/// <param name="Track">The track name.</param>
/// <param name="Bitrate">The track's bitrate.</param>
/// <param name="Time">The fragment's start time.</param>
/// <param name="Packaging">How the fragment is packaged.</param>
internal readonly record struct ResponseKey(string Point, long SessionEpoch, string Track, int Bitrate, long Time, FragmentPackaging Packaging);

/// <summary>The forms one stored fragment is served in.</summary>
internal enum FragmentPackaging
{
    /// <summary>A Smooth Streaming fragment (moof with tfxd and tfrf, mdat).</summary>
    Smooth,

    /// <summary>A CMAF segment (styp, moof, mdat), for HLS and DASH alike.</summary>
    Cmaf,

    /// <summary>An MPEG-2 transport stream segment, for HLS with <c>format=m3u8-aapl</c>.</summary>
    Ts,
}

/// <summary>A complete response: the exact body as one block, and the headers that vary per response.</summary>
internal sealed record CachedResponse(byte[] Body, string ContentType, string ETag);

/// <summary>
/// Playback responses that can never change (the handler marks them immutable), kept in memory so hot fragments are
/// served without a grain call. Bounded by total bytes; when an insert crosses the bound, the least recently used
/// entries go, in a batch down to 15/16 of it so the sort is not paid on every insert.
/// </summary>
/// <remarks>
/// Hits take no lock: a lock-free dictionary read, and an access stamp from a shared counter that is only advanced when
/// the entry is not already the most recently used one. Inserts and eviction serialize on one lock, only when the bound
/// is crossed. Entries of a point's ended session are not removed eagerly: no key reaches them any more, so they are
/// the least recently used and go first.
/// </remarks>
internal sealed class ImmutableResponseCache
{
    /// <summary>Bytes counted per entry on top of its body: key, headers and bookkeeping objects.</summary>
    public const int EntryOverhead = 256;

    private readonly ConcurrentDictionary<ResponseKey, Entry> _entries = new();
    private readonly Lock _evictionLock = new();
    private readonly long _capacity;
    private long _size;
    private long _clock;

    /// <summary>A cache of at most <paramref name="capacity"/> bytes (<see cref="GatewayOptions.ResponseCacheSize"/>); zero disables it.</summary>
    public ImmutableResponseCache(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    /// <summary>Whether anything is cached at all (a capacity of zero disables the cache).</summary>
    public bool Enabled => _capacity > 0;

    /// <summary>The bound on <see cref="Size"/>.</summary>
    public long Capacity => _capacity;

    /// <summary>Bytes held, counting <see cref="EntryOverhead"/> per entry.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>Number of responses held.</summary>
    public int Count => _entries.Count;

    /// <summary>The bytes an entry with this body counts for.</summary>
    public static long SizeOf(CachedResponse response) => response.Body.Length + (long)EntryOverhead;

    /// <summary>Looks a response up and marks it as the most recently used.</summary>
    public bool TryGet(in ResponseKey key, [NotNullWhen(true)] out CachedResponse? response)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            response = null;
            return false;
        }

        // The most recently used entry, asked for again, writes nothing shared: hot entries cost no contended write.
        if (Volatile.Read(ref entry.Stamp) != Volatile.Read(ref _clock))
        {
            Volatile.Write(ref entry.Stamp, Interlocked.Increment(ref _clock));
        }

        response = entry.Response;
        return true;
    }

    /// <summary>
    /// Keeps <paramref name="response"/> unless the cache is disabled, the key is already held (a concurrent miss won),
    /// or it is larger than a quarter of the capacity (one huge segment must not flush everything else).
    /// </summary>
    public bool Add(in ResponseKey key, CachedResponse response)
    {
        var size = SizeOf(response);
        if (size > _capacity / 4)
        {
            return false;
        }

        if (!_entries.TryAdd(key, new Entry(response, size, Interlocked.Increment(ref _clock))))
        {
            return false;
        }

        if (Interlocked.Add(ref _size, size) > _capacity)
        {
            Evict();
        }

        return true;
    }

    private void Evict()
    {
        lock (_evictionLock)
        {
            if (Volatile.Read(ref _size) <= _capacity)
            {
                return;
            }

            var candidates = new List<(long Stamp, KeyValuePair<ResponseKey, Entry> Pair)>(_entries.Count);
            foreach (var pair in _entries)
            {
                candidates.Add((Volatile.Read(ref pair.Value.Stamp), pair));
            }

            candidates.Sort(static (a, b) => a.Stamp.CompareTo(b.Stamp));
            var target = _capacity - (_capacity / 16);
            foreach (var (_, pair) in candidates)
            {
                if (Volatile.Read(ref _size) <= target)
                {
                    break;
                }

                if (_entries.TryRemove(pair))
                {
                    Interlocked.Add(ref _size, -pair.Value.Size);
                }
            }
        }
    }

    private sealed class Entry(CachedResponse response, long size, long stamp)
    {
        /// <summary>Value of the cache's clock at the last use; a field so it can be read and written atomically.</summary>
        public long Stamp = stamp;

        public CachedResponse Response { get; } = response;

        public long Size { get; } = size;
    }
}
