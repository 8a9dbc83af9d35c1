using Cluster.Gateway.Ingest;
using Cluster.Gateway.Routing;

namespace Cluster.Gateway.Tests.Ingest;

public sealed class CmafTrackKeyTests
{
    [Theory]
    [InlineData("init-stream0.m4s", "stream0")]
    [InlineData("chunk-stream0-00001.m4s", "stream0")]
    [InlineData("chunk-stream12-123456.m4s", "stream12")]
    [InlineData("video_1.cmfv", "video_1")]
    public void FromUrl_FfmpegFileNames_HeaderAndSegmentsShareAKey(string file, string key)
    {
        MediaUrl.TryParse("/live/e.isml/" + file, out var url, out _).ShouldBeTrue();

        CmafTrackKey.FromUrl(url!).ShouldBe(key);
    }

    [Fact]
    public void FromUrl_StreamsForm_IsTheStreamId()
    {
        MediaUrl.TryParse("/live/e.isml/Streams(audio-en)", out var url, out _).ShouldBeTrue();

        CmafTrackKey.FromUrl(url!).ShouldBe("audio-en");
    }
}
