using Cluster.Contracts.PublishingPoints;
using Cluster.Gateway.Routing;

namespace Cluster.Gateway.Tests.Routing;

/// <summary>The URL forms of IIS / Azure Media Services (DESIGN.md section 4), parsed as the gateway routes them.</summary>
public sealed class MediaUrlTests
{
    [Theory]
    [InlineData("/live/event1.isml/Manifest", ManifestFormat.Smooth)]
    [InlineData("/live/event1.isml/manifest", ManifestFormat.Smooth)]
    [InlineData("/live/event1.isml/manifest(format=m3u8-cmaf)", ManifestFormat.Hls)]
    [InlineData("/live/event1.isml/manifest(format=m3u8-aapl)", ManifestFormat.HlsTs)]
    [InlineData("/live/event1.isml/manifest(format=m3u8-aapl-v3)", ManifestFormat.HlsTs)]
    [InlineData("/live/event1.isml/Manifest(format=mpd-time-cmaf)", ManifestFormat.Dash)]
    [InlineData("/live/event1.isml/manifest(format=mpd-time-csf)", ManifestFormat.Dash)]
    [InlineData("/live/event1.isml/manifest(format=m3u8-aapl).m3u8", ManifestFormat.HlsTs)]
    [InlineData("/live/event1.isml/manifest(format=m3u8-cmaf).m3u8", ManifestFormat.Hls)]
    [InlineData("/live/event1.isml/Manifest(format=m3u8-aapl).M3U8", ManifestFormat.HlsTs)]
    [InlineData("/live/event1.isml/manifest(format=mpd-time-csf).mpd", ManifestFormat.Dash)]
    [InlineData("/live/event1.isml/Manifest(format=mpd-time-cmaf).mpd", ManifestFormat.Dash)]
    public void TryParse_ManifestForms_GiveFormat(string path, ManifestFormat format)
    {
        MediaUrl.TryParse(path, out var url, out var error).ShouldBeTrue();
        error.ShouldBeNull();
        url!.Kind.ShouldBe(MediaUrlKind.Manifest);
        url.PointPath.ShouldBe("live/event1");
        url.Format.ShouldBe(format);
    }

    [Fact]
    public void TryParse_SmoothFragment_GivesBitrateTrackAndTime()
    {
        MediaUrl.TryParse("/a/b/c.isml/QualityLevels(600000)/Fragments(video=20000000)", out var url, out _).ShouldBeTrue();

        url.ShouldBe(new MediaUrl(MediaUrlKind.Fragment, "a/b/c") { Bitrate = 600000, TrackName = "video", Time = 20_000_000, Format = ManifestFormat.Smooth });
    }

    [Theory]
    [InlineData("/live/e.isml/QualityLevels(64000)/Fragments(audio=0,format=mpd-time-cmaf)", ManifestFormat.Dash)]
    [InlineData("/live/e.isml/QualityLevels(64000)/Fragments(audio=0,format=m3u8-cmaf).m4s", ManifestFormat.Hls)]
    [InlineData("/live/e.isml/QualityLevels(64000)/Fragments(audio=0,format=m3u8-aapl).ts", ManifestFormat.HlsTs)]
    public void TryParse_Segment_GivesPackaging(string path, ManifestFormat format)
    {
        MediaUrl.TryParse(path, out var url, out _).ShouldBeTrue();

        url!.Kind.ShouldBe(MediaUrlKind.Fragment);
        url.Format.ShouldBe(format);
        url.TrackName.ShouldBe("audio");
        url.Bitrate.ShouldBe(64000);
    }

    [Theory]
    [InlineData("/live/e.isml/QualityLevels(300000)/Fragments(video=i,format=mpd-time-cmaf)")]
    [InlineData("/live/e.isml/QualityLevels(300000)/Fragments(video=i,format=m3u8-cmaf).mp4")]
    public void TryParse_CmafHeader_IsInit(string path)
    {
        MediaUrl.TryParse(path, out var url, out _).ShouldBeTrue();

        url!.Kind.ShouldBe(MediaUrlKind.Init);
        url.TrackName.ShouldBe("video");
    }

    [Fact]
    public void TryParse_HlsMediaPlaylist_GivesTrack()
    {
        MediaUrl.TryParse("/live/e.isml/QualityLevels(300000)/Manifest(video,format=m3u8-cmaf)", out var url, out _).ShouldBeTrue();

        url!.Kind.ShouldBe(MediaUrlKind.MediaPlaylist);
        url.TrackName.ShouldBe("video");
        url.Bitrate.ShouldBe(300000);
    }

    [Theory]
    [InlineData("/live/e.isml/Streams(video1)", "video1", null)]
    [InlineData("/live/e.isml/Events(day2)/Streams(video1)", "video1", "day2")]
    public void TryParse_IngestForms_GiveStreamAndEvent(string path, string stream, string? eventId)
    {
        MediaUrl.TryParse(path, out var url, out _).ShouldBeTrue();

        url!.Kind.ShouldBe(MediaUrlKind.Ingest);
        url.StreamId.ShouldBe(stream);
        url.EventId.ShouldBe(eventId);
    }

    [Theory]
    [InlineData("/live/oceans.isml/oceans.ism", "oceans-400k-64k.ismv", "oceans-400k-64k.ismv")]
    [InlineData("/oceans.isml/oceans.ism", "oceans-200k.ismv", "oceans-200k.ismv")]
    [InlineData("/live/oceans.isml/Oceans.ISM", null, "Oceans")]
    public void TryParse_ModSmoothStreamingPush_IsIngestNamedByStreamId(string path, string? streamId, string expected)
    {
        MediaUrl.TryParse(path, out var url, out var error, streamId).ShouldBeTrue();

        error.ShouldBeNull();
        url!.Kind.ShouldBe(MediaUrlKind.Ingest);
        url.StreamId.ShouldBe(expected);
        url.EventId.ShouldBeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    public void TryParse_ModSmoothStreamingPushWithBadStreamId_SaysWhy(string streamId)
    {
        MediaUrl.TryParse("/live/oceans.isml/oceans.ism", out var url, out var error, streamId).ShouldBeTrue();

        url.ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("stream_id");
    }

    [Fact]
    public void TryParse_PushedFileName_IsIngestFile()
    {
        MediaUrl.TryParse("/live/e.isml/chunk-stream0-00001.m4s", out var url, out _).ShouldBeTrue();

        url!.Kind.ShouldBe(MediaUrlKind.IngestFile);
        url.StreamId.ShouldBe("chunk-stream0-00001.m4s");
    }

    [Theory]
    [InlineData("/live/e.isml/QualityLevels(abc)/Fragments(video=0)")]
    [InlineData("/live/e.isml/QualityLevels(100)/Fragments(video)")]
    [InlineData("/live/e.isml/QualityLevels(100)/Fragments(video=-5)")]
    [InlineData("/live/e.isml/QualityLevels(100)/Fragments(video=0,format=flv)")]
    [InlineData("/live/e.isml/manifest(format=rtmp)")]
    [InlineData("/live/e.isml/manifest(format=m3u8-aapl).mpd")]
    [InlineData("/live/e.isml/QualityLevels(300000)/Fragments(video=i,format=m3u8-aapl).ts")]
    [InlineData("/live/e.isml/manifest(format=mpd-time-csf).m3u8")]
    [InlineData("/live/e.isml/Nonsense")]
    [InlineData("/live/a b.isml/Manifest")]
    [InlineData("/live/../x.isml/Manifest")]
    [InlineData("/.isml/Manifest")]
    public void TryParse_Malformed_SaysWhy(string path)
    {
        MediaUrl.TryParse(path, out var url, out var error).ShouldBeTrue();

        url.ShouldBeNull();
        error.ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("/favicon.ico")]
    [InlineData("/live/e.ismc")]
    public void TryParse_NotAPublishingPointUrl_ReturnsFalse(string path) =>
        MediaUrl.TryParse(path, out _, out _).ShouldBeFalse();

    [Theory]
    [InlineData("/archive/live/e/20261203T100000Z.ism/Manifest", "Manifest")]
    [InlineData("/archive/live/e/20261203T100000Z.ism/manifest(format=m3u8-cmaf)", "Manifest")]
    [InlineData("/archive/live/e/20261203T100000Z.ism/QualityLevels(300000)/Fragments(video=0)", "Fragment")]
    public void TryParse_OnDemandIsmForm_IsThePointsPlayback(string path, string kindName)
    {
        var kind = Enum.Parse<MediaUrlKind>(kindName);
        MediaUrl.TryParse(path, out var url, out var error).ShouldBeTrue();

        error.ShouldBeNull();
        url!.Kind.ShouldBe(kind);
        url.PointPath.ShouldBe("archive/live/e/20261203T100000Z");
    }

    [Fact]
    public void TryParse_PushToAnIsmUrl_SaysWhereToPush()
    {
        MediaUrl.TryParse("/vod/oceans.ism/Streams(video)", out var url, out var error).ShouldBeTrue();

        url.ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(".isml");
    }
}
