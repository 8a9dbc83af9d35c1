using System.Text;
using System.Xml.Linq;
using Cluster.Contracts.PublishingPoints;
using Cluster.Gateway.Security;

namespace Cluster.Gateway.Tests.Security;

public sealed class ManifestUrlQueryTests
{
    private const string Parameter = "token=k1.1.bGl2ZQ..c2ln";

    [Fact]
    public void Add_HlsMultivariantPlaylist_EveryUriLineAndUriAttributeCarriesTheToken()
    {
        // RFC 8216 section 8.6 style: alternative audio rendition (URI attribute) and variant streams (URI lines).
        const string playlist = "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            + "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"audio\",DEFAULT=YES,URI=\"QualityLevels(64000)/Manifest(audio,format=m3u8-cmaf)\"\n"
            + "#EXT-X-STREAM-INF:BANDWIDTH=700000,CODECS=\"avc1.64001e,mp4a.40.2\",AUDIO=\"aac\"\n"
            + "QualityLevels(600000)/Manifest(video,format=m3u8-cmaf)\n"
            + "#EXT-X-STREAM-INF:BANDWIDTH=400000,AUDIO=\"aac\"\r\n"
            + "low.m3u8?x=1\n";

        var result = Text(ManifestUrlQuery.Add(Encoding.UTF8.GetBytes(playlist), ManifestFormat.Hls, Parameter));

        var lines = result.Split('\n');
        lines.Where(l => l.Length > 0 && l[0] != '#').ShouldBe(
            ["QualityLevels(600000)/Manifest(video,format=m3u8-cmaf)?" + Parameter, "low.m3u8?x=1&" + Parameter]);
        lines.ShouldContain("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"audio\",DEFAULT=YES,URI=\"QualityLevels(64000)/Manifest(audio,format=m3u8-cmaf)?" + Parameter + "\"");
        lines.Count(l => l.StartsWith("#EXT-X-STREAM-INF", StringComparison.Ordinal)).ShouldBe(2, "tags without URIs are kept as they are");
    }

    [Fact]
    public void Add_HlsMediaPlaylist_MapAndSegmentsCarryTheToken()
    {
        const string playlist = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:5\n"
            + "#EXT-X-MAP:URI=\"QualityLevels(600000)/Fragments(video=i,format=m3u8-cmaf)\"\n"
            + "#EXTINF:2.000,\nQualityLevels(600000)/Fragments(video=20000000,format=m3u8-cmaf).m4s\n"
            + "#EXTINF:2.000,\nQualityLevels(600000)/Fragments(video=40000000,format=m3u8-cmaf).m4s\n";

        var result = Text(ManifestUrlQuery.Add(Encoding.UTF8.GetBytes(playlist), ManifestFormat.Hls, Parameter));

        result.ShouldContain("#EXT-X-MAP:URI=\"QualityLevels(600000)/Fragments(video=i,format=m3u8-cmaf)?" + Parameter + "\"");
        result.Split('\n').Where(l => l.StartsWith("QualityLevels", StringComparison.Ordinal)).ShouldAllBe(l => l.EndsWith(".m4s?" + Parameter, StringComparison.Ordinal));
        result.ShouldStartWith("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:5\n");
    }

    [Fact]
    public void Add_DashMpd_SegmentTemplatesCarryTheTokenAndTheXmlStaysValid()
    {
        // ISO/IEC 23009-1 5.3.9.4: media and initialization are URL templates ($Time$, $Bandwidth$ substituted by the client).
        const string mpd = """
            <?xml version="1.0" encoding="UTF-8"?>
            <MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic">
              <Period id="0" start="PT0S">
                <AdaptationSet contentType="video">
                  <SegmentTemplate timescale="10000000" initialization="QualityLevels($Bandwidth$)/Fragments(video=i,format=mpd-time-cmaf)" media="QualityLevels($Bandwidth$)/Fragments(video=$Time$,format=mpd-time-cmaf)"/>
                  <Representation id="v1" bandwidth="600000"/>
                </AdaptationSet>
                <AdaptationSet contentType="audio">
                  <SegmentTemplate media="a/$Time$.m4s?x=1" initialization="a/init.mp4"/>
                </AdaptationSet>
              </Period>
              <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="http://origin/time"/>
            </MPD>
            """;

        var result = XDocument.Parse(Text(ManifestUrlQuery.Add(Encoding.UTF8.GetBytes(mpd), ManifestFormat.Dash, Parameter)));

        var ns = XNamespace.Get("urn:mpeg:dash:schema:mpd:2011");
        var templates = result.Descendants(ns + "SegmentTemplate").ToArray();
        templates[0].Attribute("media")!.Value.ShouldBe("QualityLevels($Bandwidth$)/Fragments(video=$Time$,format=mpd-time-cmaf)?" + Parameter);
        templates[0].Attribute("initialization")!.Value.ShouldBe("QualityLevels($Bandwidth$)/Fragments(video=i,format=mpd-time-cmaf)?" + Parameter);
        templates[1].Attribute("media")!.Value.ShouldBe("a/$Time$.m4s?x=1&" + Parameter);
        templates[1].Attribute("initialization")!.Value.ShouldBe("a/init.mp4?" + Parameter);
        result.Descendants(ns + "UTCTiming").Single().Attribute("value")!.Value.ShouldBe("http://origin/time");
    }

    [Fact]
    public void Add_SmoothManifest_EveryStreamIndexUrlCarriesTheToken()
    {
        // MS-SSTR 2.2.2.3: StreamIndex Url is the fragment URL pattern with {bitrate} and {start time}.
        const string manifest = """
            <?xml version="1.0" encoding="utf-8"?>
            <SmoothStreamingMedia MajorVersion="2" MinorVersion="2" IsLive="TRUE" Duration="0" TimeScale="10000000">
              <StreamIndex Type="video" Name="video" Chunks="0" QualityLevels="1" Url="QualityLevels({bitrate})/Fragments(video={start time})">
                <QualityLevel Index="0" Bitrate="600000" FourCC="H264" CodecPrivateData="00"/>
              </StreamIndex>
              <StreamIndex Type="audio" Name="audio" Chunks="0" QualityLevels="1" Url="QualityLevels({bitrate})/Fragments(audio={start time})"/>
            </SmoothStreamingMedia>
            """;

        var result = XDocument.Parse(Text(ManifestUrlQuery.Add(Encoding.UTF8.GetBytes(manifest), ManifestFormat.Smooth, Parameter)));

        result.Descendants("StreamIndex").Select(s => s.Attribute("Url")!.Value).ShouldBe(
        [
            "QualityLevels({bitrate})/Fragments(video={start time})?" + Parameter,
            "QualityLevels({bitrate})/Fragments(audio={start time})?" + Parameter,
        ]);
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
