using System.Globalization;
using System.Text;
using Cluster.Media.Model;

namespace Cluster.Media.Codecs;

/// <summary>RFC 6381 <c>codecs</c> values for HLS CODECS and DASH @codecs, derived from each track's decoder configuration.</summary>
public static class CodecStrings
{
    /// <summary>The codec string of a track: <c>avc1.PPCCLL</c>, <c>mp4a.40.N</c> or <c>hvc1.…</c>.</summary>
    public static string ForTrack(TrackInfo track)
    {
        ArgumentNullException.ThrowIfNull(track);
        switch (track.FourCC.ToUpperInvariant())
        {
            case "H264":
            case "AVC1":
            case "AVC3":
            case "DAVC":
                return Avc(AvcConfiguration.FirstSequenceParameterSet(AvcConfiguration.ForTrack(track)));
            case "AACL":
            case "AACH":
            case "AACP":
            case "MP4A":
                return Aac(AudioSpecificConfig.BytesForTrack(track));
            case "HEVC":
            case "HVC1":
            case "HEV1":
                return HevcFromConfiguration(HevcConfiguration.ForTrack(track));
            default:
                throw new MediaFormatException($"No codec string is known for FourCC {track.FourCC}.");
        }
    }

    /// <summary>
    /// <c>avc1.PPCCLL</c> from an SPS NAL unit (RFC 6381 3.3): profile_idc, the constraint flags byte and level_idc
    /// in lower-case hex, the form ffmpeg, Apple and Chrome print. The sample entry is avc1 (parameter sets in avcC).
    /// </summary>
    public static string Avc(ReadOnlySpan<byte> sequenceParameterSet)
    {
        if (sequenceParameterSet.Length < 4 || (sequenceParameterSet[0] & 0x1F) != 7)
        {
            throw new MediaFormatException("The H.264 codec data has no sequence parameter set.");
        }

        return string.Create(CultureInfo.InvariantCulture, $"avc1.{sequenceParameterSet[1]:x2}{sequenceParameterSet[2]:x2}{sequenceParameterSet[3]:x2}");
    }

    /// <summary><c>mp4a.40.N</c> from an AudioSpecificConfig; N as <see cref="AudioSpecificConfig.CodecObjectType"/> documents.</summary>
    public static string Aac(ReadOnlySpan<byte> audioSpecificConfig) =>
        string.Create(CultureInfo.InvariantCulture, $"mp4a.40.{AudioSpecificConfig.Parse(audioSpecificConfig).CodecObjectType}");

    /// <summary>
    /// <c>hvc1.…</c> from an hvcC payload (ISO/IEC 14496-15 Annex E.3): profile space letter and profile_idc, the
    /// 32 compatibility flags bit-reversed in hex, tier L/H with level_idc, then the constraint bytes with trailing
    /// zero bytes left out.
    /// </summary>
    public static string HevcFromConfiguration(ReadOnlySpan<byte> hvcC)
    {
        if (hvcC.Length < 13)
        {
            throw new MediaFormatException("The hvcC record is too short.");
        }

        return Hevc(hvcC.Slice(1, 12));
    }

    /// <summary>The HEVC codec string from the 12 general profile_tier_level bytes.</summary>
    internal static string Hevc(ReadOnlySpan<byte> profileTierLevel)
    {
        var space = profileTierLevel[0] >> 6;
        var tier = (profileTierLevel[0] >> 5) & 1;
        var profile = profileTierLevel[0] & 0x1F;
        var flags = ((uint)profileTierLevel[1] << 24) | ((uint)profileTierLevel[2] << 16) | ((uint)profileTierLevel[3] << 8) | profileTierLevel[4];
        uint reversed = 0;
        for (var i = 0; i < 32; i++)
        {
            reversed |= ((flags >> i) & 1) << (31 - i);
        }

        var text = new StringBuilder("hvc1.", 40);
        if (space > 0)
        {
            text.Append((char)('A' + space - 1));
        }

        text.Append(CultureInfo.InvariantCulture, $"{profile}.{reversed:X}.{(tier == 1 ? 'H' : 'L')}{profileTierLevel[11]}");
        var last = 10;
        while (last >= 5 && profileTierLevel[last] == 0)
        {
            last--;
        }

        for (var i = 5; i <= last; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $".{profileTierLevel[i]:X2}");
        }

        return text.ToString();
    }
}
