using Cluster.Media.Codecs;
using Cluster.Media.Model;
using Cluster.Media.Tests.Cmaf;

namespace Cluster.Media.Tests.Codecs;

public class CodecStringsTests
{
    // SPS of track 1 of TestData/three-tracks.ismv (ffmpeg 5.1 libx264, 160x90, High profile level 1.2).
    private static readonly byte[] CaptureSps = Convert.FromHexString("6764000CACD9428DF93011000003000100000300320F142996");

    private static TrackInfo Video(string codecPrivateData) => new()
    {
        Kind = TrackKind.Video,
        Name = "video",
        Bitrate = 200_000,
        FourCC = "H264",
        CodecPrivateData = codecPrivateData,
    };

    private static TrackInfo Audio(string fourCC, string codecPrivateData) => new()
    {
        Kind = TrackKind.Audio,
        Name = "audio",
        Bitrate = 64_000,
        FourCC = fourCC,
        CodecPrivateData = codecPrivateData,
    };

    [Fact]
    public void Avc_HighProfileLevel31Sps_GivesProfileConstraintLevelHex()
    {
        // 0x64 = High, constraint byte 0x00, level_idc 0x1f = 3.1 (RFC 6381 3.3 example form).
        CodecStrings.Avc(Convert.FromHexString("6764001FACD9405005BB011000000300100000030320F1831960")).ShouldBe("avc1.64001f");
    }

    [Fact]
    public void Avc_BaselineWithConstraintFlags_KeepsConstraintByte()
    {
        CodecStrings.Avc(Convert.FromHexString("6742C01EDA02802DD8")).ShouldBe("avc1.42c01e");
    }

    [Fact]
    public void ForTrack_SmoothAnnexBCodecPrivateData_ReadsTheSps()
    {
        CodecStrings.ForTrack(Video(IsmvCapture.CodecPrivateData(1))).ShouldBe("avc1.64000c");
        CodecStrings.ForTrack(Video(IsmvCapture.CodecPrivateData(2))).ShouldBe("avc1.64000b");
    }

    [Fact]
    public void ForTrack_ThreeByteStartCodes_ReadsTheSps()
    {
        var cpd = IsmvCapture.CodecPrivateData(1).Replace("00000001", "000001", StringComparison.Ordinal);
        CodecStrings.ForTrack(Video(cpd)).ShouldBe("avc1.64000c");
    }

    [Fact]
    public void ForTrack_RawAvcCDecoderConfig_WinsOverCodecPrivateData()
    {
        var track = Video("") with { DecoderConfig = IsmvCapture.AvcC(2) };
        CodecStrings.ForTrack(track).ShouldBe("avc1.64000b");
    }

    [Theory]
    [InlineData("1190", "mp4a.40.2")] // AAC-LC 48 kHz stereo
    [InlineData("1210", "mp4a.40.2")] // AAC-LC 44.1 kHz stereo
    [InlineData("118856E500", "mp4a.40.2")] // the capture's ASC: LC + sync extension saying "no SBR"
    [InlineData("2B920800", "mp4a.40.5")] // explicit SBR (HE-AAC): 22.05 kHz core, 44.1 kHz output
    [InlineData("EB098800", "mp4a.40.29")] // explicit PS (HE-AACv2): object type 29
    [InlineData("139056E598", "mp4a.40.5")] // LC 22.05 kHz + sync extension 0x2B7 with SBR present (implicit HE-AAC)
    [InlineData("F84640", "mp4a.40.34")] // escape value 31: 32 + 6-bit extension (2) = 34
    public void Aac_AudioSpecificConfig_GivesObjectType(string asc, string expected)
    {
        CodecStrings.Aac(Convert.FromHexString(asc)).ShouldBe(expected);
    }

    [Fact]
    public void ForTrack_AacWithCodecPrivateData_UsesTheConfig()
    {
        CodecStrings.ForTrack(Audio("AACL", "1190")).ShouldBe("mp4a.40.2");
        CodecStrings.ForTrack(Audio("AACH", "2B920800")).ShouldBe("mp4a.40.5");
    }

    [Fact]
    public void AudioSpecificConfig_Build_RoundTripsRateAndChannels()
    {
        var asc = AudioSpecificConfig.Build(2, 48000, 2);
        asc.ShouldBe(new byte[] { 0x11, 0x90 });
        var parsed = AudioSpecificConfig.Parse(AudioSpecificConfig.Build(5, 48000, 2));
        parsed.CodecObjectType.ShouldBe(5);
        parsed.SamplingRate.ShouldBe(24000);
        parsed.OutputSamplingRate.ShouldBe(48000);
        parsed.ChannelConfiguration.ShouldBe(2);
    }

    [Fact]
    public void AvcConfiguration_FromCodecPrivateData_BuildsRecordPer14496_15()
    {
        var avcC = AvcConfiguration.FromCodecPrivateData(IsmvCapture.CodecPrivateData(1));

        // ffmpeg wrote exactly this record into the capture's moov for the same SPS/PPS.
        avcC.ShouldBe(IsmvCapture.AvcC(1));
        avcC[0].ShouldBe((byte)1);
        (avcC[4] & 3).ShouldBe(3); // lengthSizeMinusOne
        AvcConfiguration.FirstSequenceParameterSet(avcC).ToArray().ShouldBe(CaptureSps);
    }

    [Fact]
    public void AvcConfiguration_NoPictureParameterSet_Throws()
    {
        Should.Throw<MediaFormatException>(() => AvcConfiguration.FromCodecPrivateData("00000001" + Convert.ToHexString(CaptureSps)));
    }

    [Fact]
    public void AvcConfiguration_NotHex_Throws()
    {
        Should.Throw<MediaFormatException>(() => AvcConfiguration.FromCodecPrivateData("zz"));
    }

    [Fact]
    public void HevcFromConfiguration_Main10Level93_GivesIsoAnnexEString()
    {
        // hvcC header of a Main 10 stream: profile 2, compat flags 0x20000000 (bit 2 -> reversed 4), tier L, level 93,
        // constraint byte 0x90 then zeros (the 14496-15 E.3 example form hvc1.2.4.L93.90).
        var hvcC = Convert.FromHexString("0102200000009000000000005DF000FCFDFAFA00000F00");
        CodecStrings.HevcFromConfiguration(hvcC).ShouldBe("hvc1.2.4.L93.90");
    }

    [Fact]
    public void ForTrack_UnknownFourCC_Throws()
    {
        Should.Throw<MediaFormatException>(() => CodecStrings.ForTrack(Audio("WMAP", "")));
    }
}
