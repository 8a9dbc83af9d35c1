using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Codecs;

/// <summary>
/// The HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1, payload of <c>hvcC</c>): taken from the encoder when
/// known, else built best effort from Annex B VPS/SPS/PPS in CodecPrivateData.
/// </summary>
public static class HevcConfiguration
{
    /// <summary>The track's hvcC payload.</summary>
    public static byte[] ForTrack(TrackInfo track)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (!track.DecoderConfig.IsEmpty)
        {
            return track.DecoderConfig.ToArray();
        }

        if (string.IsNullOrEmpty(track.CodecPrivateData))
        {
            throw new MediaFormatException("The HEVC track has no CodecPrivateData.");
        }

        try
        {
            return FromAnnexB(Convert.FromHexString(track.CodecPrivateData));
        }
        catch (FormatException)
        {
            throw new MediaFormatException("The CodecPrivateData is not hexadecimal.");
        }
    }

    /// <summary>
    /// Builds hvcC from Annex B parameter sets: profile_tier_level copied from the SPS, chroma format and bit depths
    /// parsed from it, no frame rate or parallelism information (0 = unknown, allowed by 14496-15), lengthSizeMinusOne 3,
    /// array_completeness 1 because every parameter set is in the record (the <c>hvc1</c> sample entry promises that).
    /// </summary>
    public static byte[] FromAnnexB(ReadOnlySpan<byte> annexB)
    {
        var units = NalUnits.SplitAnnexB(annexB);
        var sps = default(HevcSequenceParameterSet);
        var found = false;
        Span<int> counts = stackalloc int[3]; // VPS (32), SPS (33), PPS (34)
        foreach (var (offset, length) in units)
        {
            var type = (annexB[offset] >> 1) & 0x3F;
            if (type is >= 32 and <= 34)
            {
                counts[type - 32]++;
                if (type == 33 && !found)
                {
                    sps = HevcSequenceParameterSet.Parse(annexB.Slice(offset, length));
                    found = true;
                }
            }
        }

        if (!found)
        {
            throw new MediaFormatException("The HEVC codec data has no sequence parameter set.");
        }

        var writer = new BoxWriter(64 + annexB.Length);
        writer.WriteByte(1);
        writer.WriteBytes(sps.ProfileTierLevel);
        writer.WriteUInt16(0xF000); // reserved + min_spatial_segmentation_idc 0
        writer.WriteByte(0xFC); // reserved + parallelismType 0 (unknown)
        writer.WriteByte((byte)(0xFC | sps.ChromaFormatIdc));
        writer.WriteByte((byte)(0xF8 | sps.BitDepthLumaMinus8));
        writer.WriteByte((byte)(0xF8 | sps.BitDepthChromaMinus8));
        writer.WriteUInt16(0); // avgFrameRate unknown
        writer.WriteByte((byte)((sps.MaxSubLayers << 3) | (sps.TemporalIdNested ? 4 : 0) | 3));
        var arrays = (counts[0] > 0 ? 1 : 0) + (counts[1] > 0 ? 1 : 0) + (counts[2] > 0 ? 1 : 0);
        writer.WriteByte((byte)arrays);
        for (var type = 32; type <= 34; type++)
        {
            if (counts[type - 32] == 0)
            {
                continue;
            }

            writer.WriteByte((byte)(0x80 | type)); // array_completeness 1
            writer.WriteUInt16((ushort)counts[type - 32]);
            foreach (var (offset, length) in units)
            {
                if (((annexB[offset] >> 1) & 0x3F) == type)
                {
                    writer.WriteUInt16((ushort)length);
                    writer.WriteBytes(annexB.Slice(offset, length));
                }
            }
        }

        return writer.ToArray();
    }
}
