using System.Buffers;
using System.Buffers.Binary;

namespace Cluster.Media.Boxes;

/// <summary>
/// Writes big-endian ISO-BMFF boxes into a growable buffer; <see cref="StartBox(uint)"/> reserves the size field and
/// <see cref="EndBox(int)"/> fills it in, so nested boxes need no precomputed sizes.
/// </summary>
public sealed class BoxWriter : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with the given initial capacity.</summary>
    public BoxWriter(int initialCapacity = 1024) => _buffer = new byte[Math.Max(initialCapacity, 16)];

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Copies the written bytes into a new exactly-sized array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Starts a box; returns its start position for <see cref="EndBox(int)"/>.</summary>
    public int StartBox(uint type)
    {
        var start = _length;
        WriteUInt32(0);
        WriteUInt32(type);
        return start;
    }

    /// <summary>Starts a full box (version and 24-bit flags).</summary>
    public int StartFullBox(uint type, byte version, uint flags)
    {
        var start = StartBox(type);
        WriteUInt32(((uint)version << 24) | (flags & 0xFFFFFF));
        return start;
    }

    /// <summary>Starts a <c>uuid</c> box with the given 16-byte extended type.</summary>
    public int StartUuidBox(ReadOnlySpan<byte> extendedType)
    {
        var start = StartBox(FourCC.Uuid);
        WriteBytes(extendedType);
        return start;
    }

    /// <summary>Ends the box started at <paramref name="start"/> by writing its size.</summary>
    public void EndBox(int start) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(start), (uint)(_length - start));

    /// <summary>Overwrites a 32-bit value at an earlier position (e.g. a trun data offset).</summary>
    public void PatchUInt32(int position, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(position), value);

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    /// <summary>Writes a big-endian 16-bit value.</summary>
    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(GetSpan(2), value);
        _length += 2;
    }

    /// <summary>Writes a big-endian 24-bit value.</summary>
    public void WriteUInt24(uint value)
    {
        WriteByte((byte)(value >> 16));
        WriteUInt16((ushort)value);
    }

    /// <summary>Writes a big-endian 32-bit value.</summary>
    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(GetSpan(4), value);
        _length += 4;
    }

    /// <summary>Writes a big-endian signed 32-bit value.</summary>
    public void WriteInt32(int value) => WriteUInt32(unchecked((uint)value));

    /// <summary>Writes a big-endian 64-bit value.</summary>
    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(GetSpan(8), value);
        _length += 8;
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(GetSpan(value.Length));
        _length += value.Length;
    }

    /// <summary>Writes <paramref name="count"/> zero bytes.</summary>
    public void WriteZeros(int count)
    {
        GetSpan(count)[..count].Clear();
        _length += count;
    }

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Reset() => _length = 0;

    /// <inheritdoc/>
    public void Advance(int count) => _length += count;

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
    }
}
