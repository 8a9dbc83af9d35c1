using Cluster.Media.Codecs;

namespace Cluster.Media.Tests.Codecs;

public sealed class CodecPrivateDataTests
{
    // From the SMIL of the ffmpeg capture.
    private const string H264 = "000000016764000CACD9428DF93011000003000100000300320F1429960000000168EFBCB0";

    [Fact]
    public void FromAvcDecoderConfiguration_AvcCBuiltFromCodecPrivateData_RoundTrips()
    {
        var avcC = AvcConfiguration.FromCodecPrivateData(H264);

        CodecPrivateData.FromAvcDecoderConfiguration(avcC).ShouldBe(H264);
        var config = AvcDecoderConfiguration.Read(avcC);
        config.NalLengthSize.ShouldBe(4);
        config.Profile.ShouldBe((byte)0x64);
        Convert.ToHexString(config.SequenceParameterSets.ShouldHaveSingleItem().Span).ShouldBe("6764000CACD9428DF93011000003000100000300320F142996");
        Convert.ToHexString(config.PictureParameterSets.ShouldHaveSingleItem().Span).ShouldBe("68EFBCB0");
    }

    [Fact]
    public void FromCodecPrivateData_ThreeByteStartCodesAndLowerCase_GivesSameRecord()
    {
        var threeByte = "000001" + H264[8..].Replace("0000000168", "00000168", StringComparison.Ordinal).ToLowerInvariant();

        AvcConfiguration.FromCodecPrivateData(threeByte).ShouldBe(AvcConfiguration.FromCodecPrivateData(H264));
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
    public void FromCodecPrivateData_Invalid_ThrowsMediaFormatException(string hex) =>
        Should.Throw<MediaFormatException>(() => AvcConfiguration.FromCodecPrivateData(hex));

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
