namespace Cluster.Media.Boxes;

/// <summary>Walks the child boxes of a complete parent held in a span, checking each size against the parent.</summary>
internal ref struct BoxIterator
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly long _baseOffset;
    private readonly uint _parentType;
    private int _position;

    /// <param name="span">The parent's payload.</param>
    /// <param name="baseOffset">Stream offset of <paramref name="span"/>, for messages.</param>
    /// <param name="parentType">Parent box type, for messages.</param>
    public BoxIterator(ReadOnlySpan<byte> span, long baseOffset, uint parentType)
    {
        _span = span;
        _baseOffset = baseOffset;
        _parentType = parentType;
        _position = 0;
    }

    /// <summary>Moves to the next child; its header and whole bytes (header included) come out.</summary>
    public bool MoveNext(out BoxHeader header, out ReadOnlySpan<byte> box)
    {
        var remaining = _span.Length - _position;
        if (remaining == 0)
        {
            header = default;
            box = default;
            return false;
        }

        var offset = _baseOffset + _position;
        if (!BoxReader.TryReadHeader(_span[_position..], offset, long.MaxValue, allowToEnd: false, out header))
        {
            throw new MediaFormatException(
                $"Box '{FourCC.ToString(_parentType)}' has {remaining} trailing bytes at offset {offset}, too few for a box header.");
        }

        if (header.Size > remaining)
        {
            throw new MediaFormatException(
                $"Box '{header.Name}' at offset {offset} declares size {header.Size} but its parent '{FourCC.ToString(_parentType)}' has only {remaining} bytes left.");
        }

        box = _span.Slice(_position, (int)header.Size);
        _position += (int)header.Size;
        return true;
    }

    /// <summary>The payload of a box returned by <see cref="MoveNext"/>.</summary>
    public static ReadOnlySpan<byte> Payload(in BoxHeader header, ReadOnlySpan<byte> box) => box[header.HeaderSize..];
}
