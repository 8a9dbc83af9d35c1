using Cluster.Media.Codecs;

namespace Cluster.Media.Tests.Codecs;

public sealed class CodecPrivateDataTests
{
    // From the SMIL of the ffmpeg capture.
    private const string H264 = "000000016764000CACD9428DF93011000003000100000300320F1429960000000168EFBCB0";

    [Fact]
    public void ParseH264_SmoothCodecPrivateData_SplitsSpsAndPps()
    {
        var sets = CodecPrivateData.ParseH264(H264);

        sets.SequenceParameterSets.Length.ShouldBe(1);
        Convert.ToHexString(sets.SequenceParameterSets[0].Span).ShouldBe("6764000CACD9428DF93011000003000100000300320F142996");
        sets.PictureParameterSets.Length.ShouldBe(1);
        Convert.ToHexString(sets.PictureParameterSets[0].Span).ShouldBe("68EFBCB0");
    }

    [Fact]
    public void ParseH264_ThreeByteStartCodesAndLowerCase_Parses()
    {
        var sets = CodecPrivateData.ParseH264("0000016764000c00000168efbcb0");

        Convert.ToHexString(sets.SequenceParameterSets[0].Span).ShouldBe("6764000C");
        Convert.ToHexString(sets.PictureParameterSets[0].Span).ShouldBe("68EFBCB0");
    }

    [Fact]
    public void FromAvcDecoderConfiguration_BuiltFromParsedSets_RoundTrips()
    {
        var sets = CodecPrivateData.ParseH264(H264);
        var sps = sets.SequenceParameterSets[0].Span;
        var pps = sets.PictureParameterSets[0].Span;
        byte[] avcC = [1, sps[1], sps[2], sps[3], 0xFF, 0xE1, 0, (byte)sps.Length, .. sps, 1, 0, (byte)pps.Length, .. pps];

        CodecPrivateData.FromAvcDecoderConfiguration(avcC).ShouldBe(H264);
        var config = AvcDecoderConfiguration.Read(avcC);
        config.NalLengthSize.ShouldBe(4);
        config.Profile.ShouldBe((byte)0x64);
    }

    [Fact]
    public void ParseAudioSpecificConfig_Hex_ReturnsBytes()
    {
        CodecPrivateData.ParseAudioSpecificConfig("1190").ShouldBe(new byte[] { 0x11, 0x90 });
        CodecPrivateData.FromAudioSpecificConfig([0x11, 0x90]).ShouldBe("1190");
    }

    [Theory]
    [InlineData("123")]
    [InlineData("12XY")]
    [InlineData("")]
    [InlineData("6764000C")]
    [InlineData("0000000167640000")]
    public void ParseH264_Invalid_ThrowsMediaFormatException(string hex) =>
        Should.Throw<MediaFormatException>(() => CodecPrivateData.ParseH264(hex));

    [Fact]
    public void AvcDecoderConfiguration_Truncated_ThrowsMediaFormatException() =>
        Should.Throw<MediaFormatException>(() => AvcDecoderConfiguration.Read([1, 0x64, 0, 0x0C, 0xFF, 0xE1, 0, 20, 0x67]));

    [Fact]
    public void FromHevcDecoderConfiguration_OneArray_BuildsAnnexB()
    {
        var hvcC = new byte[22].Concat(new byte[] { 1, 0x20, 0, 1, 0, 2, 0x40, 0x01 }).ToArray();

        CodecPrivateData.FromHevcDecoderConfiguration(hvcC).ShouldBe("000000014001");
    }
}
