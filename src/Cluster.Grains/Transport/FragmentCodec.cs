using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using Cluster.Media.Model;
using Cluster.Runtime.Transport;

namespace Cluster.Grains.Transport;

/// <summary>
/// A fragment between silos: time, sample count, 16 bytes per sample, then the media data raw. Reading keeps a slice
/// of the received message as the fragment's data, so the media bytes are copied by neither end's codec. A fragment
/// fills its message to the end, so a codec that nests one (<see cref="FragmentReadCodec"/>) writes it last.
/// </summary>
/// <remarks>
/// Malformed messages throw <see cref="FormatException"/>: the grain call endpoint answers that as a bad request
/// (400) with the message, and a caller decoding a result sees it as a transport error, not as bad media.
/// </remarks>
internal sealed class FragmentCodec : IGrainCallCodec<Fragment>
{
    private const int SampleSize = 16;

    public void Write(Fragment value, IBufferWriter<byte> output)
    {
        var samples = value.Samples.AsSpan();
        var head = output.GetSpan(12 + (samples.Length * SampleSize));
        BinaryPrimitives.WriteInt64BigEndian(head, value.Time);
        BinaryPrimitives.WriteInt32BigEndian(head[8..], samples.Length);
        var at = 12;
        foreach (var sample in samples)
        {
            BinaryPrimitives.WriteUInt32BigEndian(head[at..], sample.Duration);
            BinaryPrimitives.WriteUInt32BigEndian(head[(at + 4)..], sample.Size);
            BinaryPrimitives.WriteUInt32BigEndian(head[(at + 8)..], sample.Flags);
            BinaryPrimitives.WriteInt32BigEndian(head[(at + 12)..], sample.CompositionTimeOffset);
            at += SampleSize;
        }

        output.Advance(at);
        output.Write(value.Data.Span);
    }

    public Fragment Read(ReadOnlyMemory<byte> input)
    {
        var span = input.Span;
        if (span.Length < 12)
        {
            throw new FormatException("A fragment message is shorter than its header.");
        }

        var time = BinaryPrimitives.ReadInt64BigEndian(span);
        var count = BinaryPrimitives.ReadInt32BigEndian(span[8..]);
        if (count <= 0 || count > (span.Length - 12) / SampleSize)
        {
            throw new FormatException($"A fragment message announces {count} samples that it does not hold.");
        }

        var samples = ImmutableArray.CreateBuilder<Sample>(count);
        var at = 12;
        for (var i = 0; i < count; i++, at += SampleSize)
        {
            samples.Add(new Sample(
                BinaryPrimitives.ReadUInt32BigEndian(span[at..]),
                BinaryPrimitives.ReadUInt32BigEndian(span[(at + 4)..]),
                BinaryPrimitives.ReadUInt32BigEndian(span[(at + 8)..]),
                BinaryPrimitives.ReadInt32BigEndian(span[(at + 12)..])));
        }

        // The Fragment constructor checks that the samples add up to the data length.
        try
        {
            return new Fragment(time, samples.MoveToImmutable(), input[at..]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"A fragment message is inconsistent: {e.Message}", e);
        }
    }
}
