using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using Cluster.Contracts.Tracks;
using Cluster.Media.Model;
using Cluster.Runtime.Transport;

namespace Cluster.Grains.Transport;

/// <summary>
/// A <see cref="FragmentRead"/> between silos: status, flags, kind, sequence number, look-ahead count, the look-ahead
/// entries (16 bytes each), then the fragment, if any, as <see cref="FragmentCodec"/> writes it. The fragment comes
/// last because it fills its message to the end; its media bytes stay a slice of the received message.
/// </summary>
internal sealed class FragmentReadCodec(FragmentCodec fragmentCodec) : IGrainCallCodec<FragmentRead>
{
    private const int HeaderSize = 19;
    private const int EntrySize = 16;
    private const byte EndedFlag = 1;
    private const byte HasKindFlag = 2;
    private const byte HasFragmentFlag = 4;
    private const byte KnownFlags = EndedFlag | HasKindFlag | HasFragmentFlag;

    public FragmentReadCodec()
        : this(new FragmentCodec())
    {
    }

    public void Write(FragmentRead value, IBufferWriter<byte> output)
    {
        ReadOnlySpan<TimelineEntry> lookahead = value.Lookahead.IsDefault ? [] : value.Lookahead.AsSpan();
        var flags = (byte)((value.Ended ? EndedFlag : 0) | (value.Kind is null ? 0 : HasKindFlag) | (value.Fragment is null ? 0 : HasFragmentFlag));
        var head = output.GetSpan(HeaderSize + (lookahead.Length * EntrySize));
        head[0] = (byte)value.Status;
        head[1] = flags;
        head[2] = (byte)(value.Kind ?? default);
        BinaryPrimitives.WriteInt64BigEndian(head[3..], value.SequenceNumber);
        BinaryPrimitives.WriteInt32BigEndian(head[11..], value.LookaheadCount);
        BinaryPrimitives.WriteInt32BigEndian(head[15..], lookahead.Length);
        var at = HeaderSize;
        foreach (var entry in lookahead)
        {
            BinaryPrimitives.WriteInt64BigEndian(head[at..], entry.Time);
            BinaryPrimitives.WriteInt64BigEndian(head[(at + 8)..], entry.Duration);
            at += EntrySize;
        }

        output.Advance(at);
        if (value.Fragment is { } fragment)
        {
            fragmentCodec.Write(fragment, output);
        }
    }

    public FragmentRead Read(ReadOnlyMemory<byte> input)
    {
        var span = input.Span;
        if (span.Length < HeaderSize)
        {
            throw new FormatException("A fragment read message is shorter than its header.");
        }

        var status = (FragmentReadStatus)span[0];
        var flags = span[1];
        var kind = (TrackKind)span[2];
        if (!Enum.IsDefined(status))
        {
            throw new FormatException($"A fragment read message has an unknown status {span[0]}.");
        }

        if ((flags & ~KnownFlags) != 0)
        {
            throw new FormatException($"A fragment read message has unknown flags 0x{flags:x2}.");
        }

        if ((flags & HasKindFlag) != 0 ? !Enum.IsDefined(kind) : kind != default)
        {
            throw new FormatException($"A fragment read message has an unknown track kind {span[2]}.");
        }

        var sequenceNumber = BinaryPrimitives.ReadInt64BigEndian(span[3..]);
        var lookaheadCount = BinaryPrimitives.ReadInt32BigEndian(span[11..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(span[15..]);
        if (count < 0 || count > (span.Length - HeaderSize) / EntrySize)
        {
            throw new FormatException($"A fragment read message announces {count} look-ahead entries that it does not hold.");
        }

        var lookahead = ImmutableArray.CreateBuilder<TimelineEntry>(count);
        var at = HeaderSize;
        for (var i = 0; i < count; i++, at += EntrySize)
        {
            lookahead.Add(new TimelineEntry(BinaryPrimitives.ReadInt64BigEndian(span[at..]), BinaryPrimitives.ReadInt64BigEndian(span[(at + 8)..])));
        }

        Fragment? fragment = null;
        if ((flags & HasFragmentFlag) != 0)
        {
            fragment = fragmentCodec.Read(input[at..]);
        }
        else if (at != span.Length)
        {
            throw new FormatException($"A fragment read message without a fragment has {span.Length - at} trailing bytes.");
        }

        return new FragmentRead(
            status,
            fragment,
            sequenceNumber,
            lookahead.MoveToImmutable(),
            lookaheadCount,
            (flags & EndedFlag) != 0,
            (flags & HasKindFlag) != 0 ? kind : null);
    }
}
