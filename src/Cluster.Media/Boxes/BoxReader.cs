using System.Buffers;
using System.Buffers.Binary;

namespace Cluster.Media.Boxes;

/// <summary>
/// Parses box headers without trusting them: a size smaller than its header, larger than what encloses it or larger
/// than the caller's limit is a <see cref="MediaFormatException"/> naming the box and offset.
/// </summary>
public static class BoxReader
{
    /// <summary>Longest possible header: 32-bit size, type, 64-bit size, 16-byte extended type.</summary>
    public const int MaxHeaderSize = 32;

    /// <summary>
    /// Reads a header from the start of <paramref name="buffer"/>; returns false when the buffer does not yet hold the
    /// whole header (and more data may come).
    /// </summary>
    /// <param name="buffer">Bytes starting at the box.</param>
    /// <param name="offset">Offset of the box in the stream, for messages.</param>
    /// <param name="maxSize">Largest acceptable box size.</param>
    /// <param name="allowToEnd">Whether size 0 (box runs to the end of the file) is legal here.</param>
    /// <param name="header">The header.</param>
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, long offset, long maxSize, bool allowToEnd, out BoxHeader header)
    {
        Span<byte> scratch = stackalloc byte[MaxHeaderSize];
        var available = (int)Math.Min(buffer.Length, MaxHeaderSize);
        buffer.Slice(0, available).CopyTo(scratch);
        return TryReadHeader(scratch[..available], offset, maxSize, allowToEnd, out header);
    }

    /// <summary>Reads a header from a span; returns false when the span is too short for the whole header.</summary>
    /// <param name="span">Bytes starting at the box.</param>
    /// <param name="offset">Offset of the box in the stream, for messages.</param>
    /// <param name="maxSize">Largest acceptable box size.</param>
    /// <param name="allowToEnd">Whether size 0 (box runs to the end of the file) is legal here.</param>
    /// <param name="header">The header.</param>
    public static bool TryReadHeader(ReadOnlySpan<byte> span, long offset, long maxSize, bool allowToEnd, out BoxHeader header)
    {
        header = default;
        if (span.Length < 8)
        {
            return false;
        }

        var size32 = BinaryPrimitives.ReadUInt32BigEndian(span);
        var type = BinaryPrimitives.ReadUInt32BigEndian(span[4..]);
        var headerSize = 8;
        long size = size32;
        if (size32 == 1)
        {
            if (span.Length < 16)
            {
                return false;
            }

            var size64 = BinaryPrimitives.ReadUInt64BigEndian(span[8..]);
            if (size64 > long.MaxValue)
            {
                throw new MediaFormatException($"Box '{FourCC.ToString(type)}' at offset {offset} declares an impossible 64-bit size {size64}.");
            }

            size = (long)size64;
            headerSize = 16;
        }

        var extendedType = Guid.Empty;
        if (type == FourCC.Uuid)
        {
            if (span.Length < headerSize + 16)
            {
                return false;
            }

            extendedType = new Guid(span.Slice(headerSize, 16), bigEndian: true);
            headerSize += 16;
        }

        var name = type == FourCC.Uuid ? $"uuid {extendedType}" : FourCC.ToString(type);
        if (size == 0 && size32 == 0)
        {
            if (!allowToEnd)
            {
                throw new MediaFormatException($"Box '{name}' at offset {offset} has size 0 (to end of file), which is not allowed here.");
            }
        }
        else if (size < headerSize)
        {
            throw new MediaFormatException($"Box '{name}' at offset {offset} declares size {size}, smaller than its {headerSize}-byte header.");
        }
        else if (size > maxSize)
        {
            throw new MediaFormatException($"Box '{name}' at offset {offset} declares size {size}, over the limit of {maxSize} bytes.");
        }

        header = new BoxHeader(type, size, headerSize, offset, extendedType);
        return true;
    }
}
