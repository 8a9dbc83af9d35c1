using System.Buffers;
using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// One traf resolved against its moof and mdat: final time and samples, and where in the stream each run's bytes lie,
/// so the mdat payload can be copied into <see cref="Data"/> while it streams past.
/// </summary>
internal sealed class FragmentPlan(uint trackId, long time, ImmutableArray<Sample> samples, List<FragmentPlan.Range> ranges)
{
    public uint TrackId { get; } = trackId;

    public long Time { get; } = time;

    public ImmutableArray<Sample> Samples { get; } = samples;

    private byte[]? _data;

    /// <summary>The fragment's bytes; allocated on first use so callers that gather ranges themselves (CMAF chunks) allocate nothing here.</summary>
    public byte[] Data => _data ??= new byte[Length];

    /// <summary>Total bytes of the fragment's samples.</summary>
    public int Length { get; } = TotalLength(ranges);

    /// <summary>Where the fragment's bytes lie in the stream, in fragment order.</summary>
    public IReadOnlyList<Range> Ranges => ranges;

    /// <summary>Stream offset just after the last byte this fragment needs.</summary>
    public long DataEnd { get; } = ranges.Count == 0 ? 0 : ranges.Max(r => r.Start + r.Length);

    /// <summary>Copies the parts of <paramref name="chunk"/> (starting at stream offset <paramref name="position"/>) that belong to this fragment.</summary>
    public void CopyFrom(in ReadOnlySequence<byte> chunk, long position)
    {
        var chunkEnd = position + chunk.Length;
        foreach (var range in ranges)
        {
            var start = Math.Max(range.Start, position);
            var end = Math.Min(range.Start + range.Length, chunkEnd);
            if (start < end)
            {
                chunk.Slice(start - position, end - start).CopyTo(Data.AsSpan((int)(range.DestinationOffset + start - range.Start)));
            }
        }
    }

    private static int TotalLength(List<Range> ranges)
    {
        long total = 0;
        foreach (var range in ranges)
        {
            total += range.Length;
        }

        return (int)total;
    }

    /// <summary>Bytes at stream offset <see cref="Start"/> that go to <see cref="DestinationOffset"/> in the fragment data.</summary>
    public readonly record struct Range(long Start, long Length, long DestinationOffset);
}
