using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Cmaf;

/// <summary>
/// Writes one stored fragment as a CMAF segment of one CMAF fragment (ISO/IEC 23000-19 7.3.2-7.3.3): <c>styp</c>,
/// <c>moof</c> with a single <c>traf</c>, and the <c>mdat</c> header. No Smooth <c>uuid</c> boxes (tfxd/tfrf).
/// </summary>
public static class CmafSegmentWriter
{
    /// <summary>
    /// styp brands. Major <c>msdh</c> (14496-12 brand for a DASH/ISO media segment) with compatible <c>msdh</c>,
    /// <c>cmfs</c> (CMAF segment, 23000-19 7.2) and <c>cmff</c> (CMAF fragment: the segment is exactly one fragment).
    /// Not <c>msix</c>: that brand promises a segment index (<c>sidx</c>), which we do not write.
    /// </summary>
    private static readonly uint[] CompatibleBrands = [FourCC.Of("msdh"), FourCC.Of("cmfs"), FourCC.Of("cmff")];

    private static readonly uint MajorBrand = FourCC.Of("msdh");

    private const uint DefaultBaseIsMoof = 0x020000;

    /// <summary>Writes header and media data of the whole segment.</summary>
    public static void Write(BoxWriter writer, Fragment fragment, uint trackId, uint sequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        WriteHeader(writer, fragment, trackId, sequenceNumber);
        writer.WriteBytes(fragment.Data.Span);
    }

    /// <summary>
    /// Writes styp, moof and the 8-byte mdat header; the caller sends <see cref="Fragment.Data"/> right after, so the
    /// media bytes can go to the socket without a copy.
    /// </summary>
    public static void WriteHeader(BoxWriter writer, Fragment fragment, uint trackId, uint sequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(fragment);
        if (fragment.Time < 0)
        {
            throw new ArgumentException("A fragment's time is never negative.", nameof(fragment));
        }

        if ((long)fragment.Data.Length + 8 > uint.MaxValue)
        {
            throw new MediaFormatException("The fragment is too large for a 32-bit mdat.");
        }

        var styp = writer.StartBox(FourCC.Styp);
        writer.WriteUInt32(MajorBrand);
        writer.WriteUInt32(0);
        foreach (var brand in CompatibleBrands)
        {
            writer.WriteUInt32(brand);
        }

        writer.EndBox(styp);

        var samples = fragment.Samples.AsSpan();
        var moof = writer.StartBox(FourCC.Moof);
        var mfhd = writer.StartFullBox(FourCC.Mfhd, 0, 0);
        writer.WriteUInt32(sequenceNumber);
        writer.EndBox(mfhd);

        var traf = writer.StartBox(FourCC.Traf);

        // default-base-is-moof (CMAF 7.5.16): offsets count from this moof, so the segment stands alone.
        var tfhd = writer.StartFullBox(FourCC.Tfhd, 0, DefaultBaseIsMoof);
        writer.WriteUInt32(trackId);
        writer.EndBox(tfhd);

        // tfdt version 1: 64-bit baseMediaDecodeTime, since 10 MHz timestamps pass 2^32 after seven minutes.
        var tfdt = writer.StartFullBox(FourCC.Tfdt, 1, 0);
        writer.WriteUInt64((ulong)fragment.Time);
        writer.EndBox(tfdt);

        var dataOffsetPosition = TrackRunWriter.Write(writer, samples);
        writer.EndBox(traf);
        TrackRunWriter.EndFragment(writer, moof, dataOffsetPosition, fragment.Data.Length);
    }
}
