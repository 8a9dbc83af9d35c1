using Cluster.Media.Boxes;

namespace Cluster.Media.CmafIngest;

/// <summary>Brands that tell a CMAF ingest body from a Smooth push body (box types are in <see cref="FourCC"/>).</summary>
public static class CmafBrands
{
    /// <summary>DASH "last media segment" brand (ISO/IEC 23009-1): the segment is the track's last.</summary>
    public const uint Lmsg = 0x6C6D7367;

    /// <summary>Smooth Streaming live ingest brand (ffmpeg <c>-movflags isml</c>).</summary>
    public const uint Isml = 0x69736D6C;

    /// <summary>PIFF brand (Protected Interoperable File Format, Smooth's fragment format).</summary>
    public const uint Piff = 0x70696666;

    /// <summary>Whether an ftyp or styp names the brand as major or compatible brand.</summary>
    public static bool Has(FileTypeBox box, uint brand)
    {
        ArgumentNullException.ThrowIfNull(box);
        return box.MajorBrand == brand || box.CompatibleBrands.Contains(brand);
    }
}
