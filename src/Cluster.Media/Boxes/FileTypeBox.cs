using System.Collections.Immutable;

namespace Cluster.Media.Boxes;

/// <summary>An ftyp (or styp) box: major brand, minor version and compatible brands.</summary>
public sealed record FileTypeBox(uint MajorBrand, uint MinorVersion, ImmutableArray<uint> CompatibleBrands)
{
    /// <summary>Parses a whole ftyp/styp box (header included).</summary>
    /// <param name="box">The box bytes.</param>
    /// <param name="offset">Stream offset of the box, for messages.</param>
    public static FileTypeBox Read(ReadOnlySpan<byte> box, long offset)
    {
        var header = ReadHeader(box, offset);
        var reader = new BigEndianReader(box[header.HeaderSize..], header.Type, offset);
        var major = reader.ReadUInt32();
        var minor = reader.ReadUInt32();
        var brands = ImmutableArray.CreateBuilder<uint>(reader.Remaining / 4);
        while (reader.Remaining >= 4)
        {
            brands.Add(reader.ReadUInt32());
        }

        return new FileTypeBox(major, minor, brands.ToImmutable());
    }

    /// <summary>Writes the box.</summary>
    public void Write(BoxWriter writer)
    {
        var start = writer.StartBox(FourCC.Ftyp);
        writer.WriteUInt32(MajorBrand);
        writer.WriteUInt32(MinorVersion);
        foreach (var brand in CompatibleBrands)
        {
            writer.WriteUInt32(brand);
        }

        writer.EndBox(start);
    }

    internal static BoxHeader ReadHeader(ReadOnlySpan<byte> box, long offset)
    {
        if (!BoxReader.TryReadHeader(box, offset, box.Length, allowToEnd: false, out var header) || header.Size != box.Length)
        {
            throw new MediaFormatException($"Box at offset {offset} does not span exactly the {box.Length} bytes given.");
        }

        return header;
    }
}
