using System.Buffers.Binary;

namespace Cluster.Media.Boxes;

/// <summary>
/// Bounds-checked big-endian cursor over one box's bytes. Every read that would run past the box ends in a
/// <see cref="MediaFormatException"/> naming the box and its offset, so parsers never index blindly.
/// </summary>
internal ref struct BigEndianReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly uint _boxType;
    private readonly long _boxOffset;
    private int _position;

    public BigEndianReader(ReadOnlySpan<byte> span, uint boxType, long boxOffset)
    {
        _span = span;
        _boxType = boxType;
        _boxOffset = boxOffset;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _span.Length - _position;

    public readonly ReadOnlySpan<byte> Rest => _span[_position..];

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint ReadUInt24()
    {
        var bytes = Take(3);
        return ((uint)bytes[0] << 16) | ((uint)bytes[1] << 8) | bytes[2];
    }

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    /// <summary>Reads a 64-bit field as signed: Smooth times travel as unsigned numbers but may be negative (AAC priming).</summary>
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    /// <summary>Reads version and flags of a full box.</summary>
    public (byte Version, uint Flags) ReadFullBoxHeader()
    {
        var value = ReadUInt32();
        return ((byte)(value >> 24), value & 0xFFFFFF);
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public void Skip(int count) => Take(count);

    /// <summary>Fails unless <paramref name="count"/> more bytes are there; guards a count read from the input before allocating for it.</summary>
    public readonly void Require(long count, string what)
    {
        if (count > Remaining)
        {
            throw new MediaFormatException(
                $"Box '{FourCC.ToString(_boxType)}' at offset {_boxOffset} announces {what} needing {count} bytes but only {Remaining} remain.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _span.Length - _position)
        {
            throw new MediaFormatException(
                $"Box '{FourCC.ToString(_boxType)}' at offset {_boxOffset} is too short: needed {count} more bytes at byte {_position} of {_span.Length}.");
        }

        var result = _span.Slice(_position, count);
        _position += count;
        return result;
    }
}
