using Cluster.Media.Codecs;
using Cluster.Media.Tests.Cmaf;

namespace Cluster.Media.Tests.Codecs;

public class AvcSequenceParameterSetTests
{
    [Fact]
    public void Parse_CaptureSps_GivesEncodedSizeAfterCropping()
    {
        // ffmpeg encoded 160x90 (track 1) and 128x72 (track 2); 90 is not a multiple of 16, so the SPS crops.
        var first = AvcSequenceParameterSet.Parse(AvcConfiguration.FirstSequenceParameterSet(IsmvCapture.AvcC(1)));
        (first.Width, first.Height).ShouldBe((160, 90));
        first.ProfileIdc.ShouldBe((byte)100);
        first.ChromaFormatIdc.ShouldBe((byte)1);
        var second = AvcSequenceParameterSet.Parse(AvcConfiguration.FirstSequenceParameterSet(IsmvCapture.AvcC(2)));
        (second.Width, second.Height).ShouldBe((128, 72));
    }

    [Fact]
    public void Parse_TruncatedSps_ThrowsMediaFormatException()
    {
        Should.Throw<MediaFormatException>(() => AvcSequenceParameterSet.Parse(Convert.FromHexString("6764000CAC")));
    }
}
