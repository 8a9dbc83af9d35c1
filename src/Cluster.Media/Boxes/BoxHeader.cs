namespace Cluster.Media.Boxes;

/// <summary>A parsed ISO-BMFF box header.</summary>
/// <param name="Type">Box type (see <see cref="FourCC"/>).</param>
/// <param name="Size">Whole box size including the header; 0 when the box extends to the end of the file.</param>
/// <param name="HeaderSize">Bytes taken by the header: 8, 16 with a 64-bit size, plus 16 for a uuid extended type.</param>
/// <param name="Offset">Offset of the box from the start of the stream or enclosing buffer, for messages.</param>
/// <param name="ExtendedType">The uuid box's extended type (big-endian byte order); <see cref="Guid.Empty"/> for other boxes.</param>
public readonly record struct BoxHeader(uint Type, long Size, int HeaderSize, long Offset, Guid ExtendedType)
{
    /// <summary>Whether the box runs to the end of the file (size field 0).</summary>
    public bool ExtendsToEnd => Size == 0;

    /// <summary>Payload size, or -1 for a box that extends to the end.</summary>
    public long PayloadSize => ExtendsToEnd ? -1 : Size - HeaderSize;

    /// <summary>Box name for messages: the four characters, or the uuid.</summary>
    public string Name => Type == FourCC.Uuid ? $"uuid {ExtendedType}" : FourCC.ToString(Type);
}
