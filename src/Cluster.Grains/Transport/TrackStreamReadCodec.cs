using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Cluster.Runtime.Transport;

namespace Cluster.Grains.Transport;

/// <summary>
/// A <see cref="TrackStreamRead"/> between silos: flags, session epoch, fragment count, then each fragment framed by
/// its length and written by <see cref="FragmentCodec"/>, so media bytes stay slices of the received message.
/// </summary>
internal sealed class TrackStreamReadCodec(FragmentCodec fragmentCodec) : IGrainCallCodec<TrackStreamRead>
{
    private const int HeaderSize = 13;
    private const byte BoundFlag = 1;
    private const byte EndedFlag = 2;

    public TrackStreamReadCodec()
        : this(new FragmentCodec())
    {
    }

    public void Write(TrackStreamRead value, IBufferWriter<byte> output)
    {
        var fragments = value.Fragments.IsDefault ? [] : value.Fragments;
        var head = output.GetSpan(HeaderSize);
        head[0] = (byte)((value.Bound ? BoundFlag : 0) | (value.Ended ? EndedFlag : 0));
        BinaryPrimitives.WriteInt64BigEndian(head[1..], value.SessionEpoch);
        BinaryPrimitives.WriteInt32BigEndian(head[9..], fragments.Length);
        output.Advance(HeaderSize);
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var fragment in fragments)
        {
            buffer.ResetWrittenCount();
            fragmentCodec.Write(fragment, buffer);
            BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), buffer.WrittenCount);
            output.Advance(4);
            output.Write(buffer.WrittenSpan);
        }
    }

    public TrackStreamRead Read(ReadOnlyMemory<byte> input)
    {
        var span = input.Span;
        if (span.Length < HeaderSize)
        {
            throw new FormatException("A track stream message is shorter than its header.");
        }

        var flags = span[0];
        if ((flags & ~(BoundFlag | EndedFlag)) != 0)
        {
            throw new FormatException($"A track stream message has unknown flags 0x{flags:x2}.");
        }

        var epoch = BinaryPrimitives.ReadInt64BigEndian(span[1..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(span[9..]);
        if (count < 0 || count > (span.Length - HeaderSize) / 4)
        {
            throw new FormatException($"A track stream message announces {count} fragments that it does not hold.");
        }

        var fragments = ImmutableArray.CreateBuilder<Fragment>(count);
        var at = HeaderSize;
        for (var i = 0; i < count; i++)
        {
            var length = at + 4 <= span.Length ? BinaryPrimitives.ReadInt32BigEndian(span[at..]) : -1;
            if (length < 0 || length > span.Length - at - 4)
            {
                throw new FormatException($"Fragment {i} of a track stream message is cut short.");
            }

            fragments.Add(fragmentCodec.Read(input.Slice(at + 4, length)));
            at += 4 + length;
        }

        if (at != span.Length)
        {
            throw new FormatException($"A track stream message has {span.Length - at} trailing bytes.");
        }

        return new TrackStreamRead(fragments.MoveToImmutable(), epoch, (flags & BoundFlag) != 0, (flags & EndedFlag) != 0);
    }
}
