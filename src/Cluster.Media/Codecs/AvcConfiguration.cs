using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Codecs;

/// <summary>
/// Builds and reads the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1, the payload of <c>avcC</c>) that
/// CMAF headers need, from Smooth's Annex B CodecPrivateData when the encoder sent no raw record.
/// </summary>
public static class AvcConfiguration
{
    /// <summary>The track's avcC payload: its raw decoder configuration when known, else one built from CodecPrivateData.</summary>
    public static byte[] ForTrack(TrackInfo track)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (!track.DecoderConfig.IsEmpty)
        {
            return track.DecoderConfig.ToArray();
        }

        return FromCodecPrivateData(track.CodecPrivateData);
    }

    /// <summary>Builds avcC from Smooth CodecPrivateData hex (<c>00000001&lt;SPS&gt;00000001&lt;PPS&gt;</c>).</summary>
    public static byte[] FromCodecPrivateData(string codecPrivateData)
    {
        if (string.IsNullOrEmpty(codecPrivateData))
        {
            throw new MediaFormatException("The H.264 track has no CodecPrivateData.");
        }

        byte[] annexB;
        try
        {
            annexB = Convert.FromHexString(codecPrivateData);
        }
        catch (FormatException)
        {
            throw new MediaFormatException("The CodecPrivateData is not hexadecimal.");
        }

        return FromAnnexB(annexB);
    }

    /// <summary>
    /// Builds avcC from an Annex B stream holding SPS and PPS NAL units (3- or 4-byte start codes): configurationVersion 1,
    /// profile/compatibility/level copied from the first SPS, lengthSizeMinusOne 3 (4-byte sample NAL lengths, what
    /// every Smooth encoder writes), then the SPS and PPS arrays. High profiles get the chroma/bit-depth trailer that
    /// 14496-15 requires for profile_idc 100, 110, 122 and 144, with chroma format and bit depths read from the SPS.
    /// </summary>
    public static byte[] FromAnnexB(ReadOnlySpan<byte> annexB)
    {
        var units = NalUnits.SplitAnnexB(annexB);
        var sps = new List<(int Offset, int Length)>(1);
        var pps = new List<(int Offset, int Length)>(1);
        foreach (var unit in units)
        {
            switch (annexB[unit.Offset] & 0x1F)
            {
                case 7:
                    sps.Add(unit);
                    break;
                case 8:
                    pps.Add(unit);
                    break;
                default:
                    break; // AUD, SEI and the like have no place in avcC.
            }
        }

        if (sps.Count == 0 || pps.Count == 0)
        {
            throw new MediaFormatException("The H.264 codec data needs a sequence and a picture parameter set.");
        }

        var first = annexB.Slice(sps[0].Offset, sps[0].Length);
        var parsed = AvcSequenceParameterSet.Parse(first);
        var writer = new BoxWriter(64 + annexB.Length);
        writer.WriteByte(1);
        writer.WriteByte(parsed.ProfileIdc);
        writer.WriteByte(parsed.ConstraintFlags);
        writer.WriteByte(parsed.LevelIdc);
        writer.WriteByte(0xFF); // reserved 6 bits + lengthSizeMinusOne = 3
        writer.WriteByte((byte)(0xE0 | sps.Count));
        foreach (var (offset, length) in sps)
        {
            writer.WriteUInt16((ushort)length);
            writer.WriteBytes(annexB.Slice(offset, length));
        }

        writer.WriteByte((byte)pps.Count);
        foreach (var (offset, length) in pps)
        {
            writer.WriteUInt16((ushort)length);
            writer.WriteBytes(annexB.Slice(offset, length));
        }

        if (parsed.ProfileIdc is 100 or 110 or 122 or 144)
        {
            writer.WriteByte((byte)(0xFC | (parsed.ChromaFormatIdc & 3)));
            writer.WriteByte((byte)(0xF8 | (parsed.BitDepthLumaMinus8 & 7)));
            writer.WriteByte((byte)(0xF8 | (parsed.BitDepthChromaMinus8 & 7)));
            writer.WriteByte(0); // numOfSequenceParameterSetExt
        }

        return writer.ToArray();
    }

    /// <summary>The first SPS NAL unit inside an avcC payload.</summary>
    public static ReadOnlySpan<byte> FirstSequenceParameterSet(ReadOnlySpan<byte> avcC)
    {
        if (avcC.Length < 8 || avcC[0] != 1 || (avcC[5] & 0x1F) == 0)
        {
            throw new MediaFormatException("The avcC record has no sequence parameter set.");
        }

        var length = (avcC[6] << 8) | avcC[7];
        if (8 + length > avcC.Length)
        {
            throw new MediaFormatException("The avcC record's sequence parameter set runs past its end.");
        }

        return avcC.Slice(8, length);
    }

    /// <summary>Width and height coded in the track's SPS (after cropping).</summary>
    internal static (int Width, int Height) Dimensions(ReadOnlySpan<byte> avcC)
    {
        var sps = AvcSequenceParameterSet.Parse(FirstSequenceParameterSet(avcC));
        return (sps.Width, sps.Height);
    }
}
