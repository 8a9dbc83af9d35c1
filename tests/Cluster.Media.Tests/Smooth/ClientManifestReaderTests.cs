using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Media.Tests.Smooth;

public sealed class ClientManifestReaderTests
{
    private static readonly TrackInfo Video200 = new()
    {
        Kind = TrackKind.Video, Name = "video", Bitrate = 200_000, FourCC = "H264", Width = 160, Height = 90,
        CodecPrivateData = "000000016764000CACD94141FB0110000003001000000303200F1429960000000168EBE3CB22C0",
    };

    private static readonly TrackInfo Video100 = Video200 with { Bitrate = 100_000, Width = 128, Height = 72, DisplayWidth = 160, DisplayHeight = 90 };

    private static readonly TrackInfo Audio = new()
    {
        Kind = TrackKind.Audio, Name = "audio", Bitrate = 64_000, FourCC = "AACL", CodecPrivateData = "1190",
        SamplingRate = 48_000, Channels = 2, BitsPerSample = 16, PacketSize = 4, AudioTag = 255, Language = "fra",
    };

    private static readonly TrackInfo Text = new()
    {
        Kind = TrackKind.Text, Name = "subtitles", Bitrate = 1_000, FourCC = "TTML", Timescale = 1_000,
    };

    [Fact]
    public void Read_OwnLiveManifest_RoundTripsEveryField()
    {
        TimelineEntry[] video =
        [
            new(1_000, 20_000_000), new(20_001_000, 20_000_000), new(40_001_000, 20_000_000), // a run: r=3
            new(60_001_000, 10_000_000), // contiguous with a new duration: no t
            new(90_000_000, 20_000_000), new(110_000_000, 20_000_000), // after a gap: explicit t, r=2
        ];
        TimelineEntry[] audio = [new(0, 19_840_000), new(19_840_000, 20_053_334), new(39_893_334, 19_840_000)];
        TimelineEntry[] text = [new(0, 2_000), new(2_000, 2_000), new(6_000, 1_500)];
        var written = new ClientManifest
        {
            IsLive = true,
            LookaheadCount = 2,
            DvrWindowLength = 1_200_000_000,
            Streams =
            [
                Stream(TrackKind.Video, "video", [Video200, Video100], video),
                Stream(TrackKind.Audio, "audio", [Audio], audio, language: "fra"),
                Stream(TrackKind.Text, "subtitles", [Text], text) with { TimeScale = 1_000, Url = "QualityLevels({bitrate})/Fragments({name}={start time},format=ttml)" },
            ],
        };
        var xml = Write(written);

        var read = ClientManifestReader.Read(xml);

        read.IsLive.ShouldBeTrue();
        read.Duration.ShouldBe(0);
        read.TimeScale.ShouldBe(10_000_000);
        read.LookaheadCount.ShouldBe(2);
        read.DvrWindowLength.ShouldBe(1_200_000_000);
        read.Streams.Select(s => (s.Kind, s.Name)).ShouldBe([(TrackKind.Video, "video"), (TrackKind.Audio, "audio"), (TrackKind.Text, "subtitles")]);
        read.Streams[0].Timeline.ShouldBe(video);
        read.Streams[1].Timeline.ShouldBe(audio);
        read.Streams[2].Timeline.ShouldBe(text);
        read.Streams[0].QualityLevels.ShouldBe([Video200, Video100]);
        read.Streams[1].QualityLevels.ShouldBe([Audio]);
        read.Streams[1].Language.ShouldBe("fra");
        read.Streams[2].QualityLevels.ShouldBe([Text]);
        read.Streams[2].TimeScale.ShouldBe(1_000);
        read.Streams[0].TimeScale.ShouldBeNull();
        read.Streams[0].Url.ShouldBe("QualityLevels({bitrate})/Fragments(video={start time})");
        read.Streams[2].Url.ShouldBe("QualityLevels({bitrate})/Fragments(subtitles={start time},format=ttml)");

        // Writing what was read gives the same document, byte for byte.
        Encoding.UTF8.GetString(Write(read)).ShouldBe(Encoding.UTF8.GetString(xml));
    }

    [Fact]
    public void Read_OwnVodManifest_HasDurationAndIsNotLive()
    {
        var xml = Write(new ClientManifest { Duration = 40_000_000, Streams = [Stream(TrackKind.Audio, "audio", [Audio], [new(0, 20_000_000), new(20_000_000, 20_000_000)])] });

        var read = ClientManifestReader.Read(xml);

        read.IsLive.ShouldBeFalse();
        read.Duration.ShouldBe(40_000_000);
        read.LookaheadCount.ShouldBe(0);
        read.Streams.ShouldHaveSingleItem().Timeline.ShouldBe([new TimelineEntry(0, 20_000_000), new TimelineEntry(20_000_000, 20_000_000)]);
    }

    [Fact]
    public void Read_LongRun_ExpandsEveryRepeat()
    {
        var timeline = Enumerable.Range(0, 3600).Select(i => new TimelineEntry(i * 20_000_000L, 20_000_000)).ToList();

        var read = ClientManifestReader.Read(Write(new ClientManifest { IsLive = true, Streams = [Stream(TrackKind.Video, "video", [Video200], timeline)] }));

        read.Streams[0].Timeline.ShouldBe(timeline);
    }

    /// <summary>An IIS Media Services style live manifest, laid out as MS-SSTR's examples are.</summary>
    private const string IisManifest = """
        <?xml version="1.0" encoding="utf-8"?>
        <!--Created with IIS Media Services-->
        <SmoothStreamingMedia MajorVersion="2" MinorVersion="0" TimeScale="10000000" Duration="0" LookaheadCount="2" IsLive="TRUE" DVRWindowLength="0">
          <StreamIndex Type="video" Name="video" Subtype="" Chunks="0" TimeScale="10000000" Url="QualityLevels({Bitrate})/Fragments(video={start_time})">
            <QualityLevel Index="0" Bitrate="1450000" CodecPrivateData="000000016742E01E965403C0113F2E02D4040405000003000100000300328000000168CE06E2" FourCC="H264" MaxWidth="960" MaxHeight="540" />
            <QualityLevel Index="1" Bitrate="650000" CodecPrivateData="000000016742E015965402802DD80B5010101400000300040000030064800000000168CE06E2" FourCC="H264" MaxWidth="640" MaxHeight="360">
              <CustomAttributes>
                <Attribute Name="hardwareProfile" Value="10000" />
              </CustomAttributes>
            </QualityLevel>
            <c t="634500000000" d="20000000" r="3" />
            <c d="20000000" />
            <c d="19999999" />
            <c t="634600000000" d="20000000" />
          </StreamIndex>
          <StreamIndex Type="audio" Index="0" Name="audio" Language="eng" Chunks="0" TimeScale="10000000" Url="QualityLevels({bitrate})/Fragments(audio={start time})">
            <QualityLevel Index="0" Bitrate="64000" SamplingRate="44100" Channels="2" BitsPerSample="16" PacketSize="4" AudioTag="255" FourCC="AACL" CodecPrivateData="1210" />
            <c t="634499875000" d="20433560">
              <f i="0">AAAA</f>
            </c>
            <c d="19969161" />
            <c d="20201360" />
          </StreamIndex>
          <StreamIndex Type="text" Name="captions" Subtype="CAPT" TimeScale="10000000" Url="QualityLevels({bitrate})/Fragments(captions={start time})">
            <QualityLevel Index="0" Bitrate="1000" FourCC="TTML" />
            <c t="634500000000" />
            <c t="634520000000" />
            <c t="634560000000" d="40000000" />
          </StreamIndex>
          <Protection>
            <ProtectionHeader SystemID="9a04f079-9840-4286-ab92-e65be0885f95">AAAA</ProtectionHeader>
          </Protection>
        </SmoothStreamingMedia>
        """;

    [Fact]
    public void Read_IisStyleManifest_RepeatsOmittedTimesAndStartTimeCoding()
    {
        var read = ClientManifestReader.Read(Encoding.UTF8.GetBytes(IisManifest));

        read.IsLive.ShouldBeTrue();
        read.LookaheadCount.ShouldBe(2);
        read.Streams.Length.ShouldBe(3);

        var video = read.Streams[0];
        video.Url.ShouldBe("QualityLevels({Bitrate})/Fragments(video={start_time})");
        video.QualityLevels.Select(l => (l.Bitrate, l.FourCC, l.Width, l.Height)).ShouldBe([(1_450_000, "H264", 960, 540), (650_000, "H264", 640, 360)]);
        video.QualityLevels[0].CodecPrivateData.ShouldStartWith("000000016742E01E");
        video.QualityLevels[0].Timescale.ShouldBe(10_000_000);
        video.Timeline.ShouldBe(
        [
            new(634_500_000_000, 20_000_000), new(634_520_000_000, 20_000_000), new(634_540_000_000, 20_000_000), // r=3
            new(634_560_000_000, 20_000_000), // t omitted: the previous end
            new(634_580_000_000, 19_999_999),
            new(634_600_000_000, 20_000_000), // explicit t after a gap of one tick
        ]);

        var audio = read.Streams[1];
        audio.Language.ShouldBe("eng");
        var level = audio.QualityLevels.ShouldHaveSingleItem();
        (level.Kind, level.Name, level.Bitrate, level.FourCC, level.CodecPrivateData).ShouldBe((TrackKind.Audio, "audio", 64_000, "AACL", "1210"));
        (level.SamplingRate, level.Channels, level.BitsPerSample, level.PacketSize, level.AudioTag, level.Language).ShouldBe((44_100, 2, 16, 4, 255, "eng"));
        audio.Timeline.ShouldBe([new(634_499_875_000, 20_433_560), new(634_520_308_560, 19_969_161), new(634_540_277_721, 20_201_360)]);

        // Start-time coding: each d reaches the next t, the last one is explicit.
        var captions = read.Streams[2];
        captions.Kind.ShouldBe(TrackKind.Text);
        captions.Timeline.ShouldBe([new(634_500_000_000, 20_000_000), new(634_520_000_000, 40_000_000), new(634_560_000_000, 40_000_000)]);
    }

    [Fact]
    public void Read_FirstTimeOmitted_StartsAtZero()
    {
        var read = ClientManifestReader.Read(Manifest("""<c d="10" r="2" /><c d="5" />"""));

        read.Streams[0].Timeline.ShouldBe([new(0, 10), new(10, 10), new(20, 5)]);
    }

    [Fact]
    public void Read_VersionOneNamesAndDefaults_Understood()
    {
        const string V1 = """
            <SmoothStreamingMedia MajorVersion="1" MinorVersion="0" Duration="40000000">
              <StreamIndex Type="video" Chunks="2" QualityLevels="1" MaxWidth="320" MaxHeight="240" Url="QualityLevels({bitrate})/Fragments(video={start time})">
                <QualityLevel Bitrate="300000" FourCC="WVC1" Width="320" Height="240" CodecPrivateData="250000010FCBEE1670" />
                <c n="0" d="20000000" />
                <c n="1" d="20000000" />
              </StreamIndex>
              <StreamIndex Type="audio" Name="audio" Url="QualityLevels({bitrate})/Fragments(audio={start time})">
                <QualityLevel Bitrate="64000" AudioTag="255" SamplingRate="44100" Channels="2" BitsPerSample="16" PacketSize="4" CodecPrivateData="1210" />
                <c d="40000000" />
              </StreamIndex>
            </SmoothStreamingMedia>
            """;

        var read = ClientManifestReader.Read(Encoding.UTF8.GetBytes(V1));

        read.TimeScale.ShouldBe(10_000_000);
        read.IsLive.ShouldBeFalse();
        read.Streams[0].Name.ShouldBe("video");
        (read.Streams[0].QualityLevels[0].Width, read.Streams[0].QualityLevels[0].Height).ShouldBe((320, 240));
        read.Streams[0].Timeline.ShouldBe([new(0, 20_000_000), new(20_000_000, 20_000_000)]);
        read.Streams[1].QualityLevels[0].FourCC.ShouldBe("AACL");
    }

    [Theory]
    [InlineData("<!DOCTYPE SmoothStreamingMedia [<!ENTITY x \"y\">]><SmoothStreamingMedia/>")]
    [InlineData("this is not xml")]
    [InlineData("<SmoothStreamingMedia><StreamIndex")]
    [InlineData("<MPD/>")]
    [InlineData("<SmoothStreamingMedia MajorVersion=\"7\"/>")]
    [InlineData("<SmoothStreamingMedia IsLive=\"maybe\"/>")]
    [InlineData("<SmoothStreamingMedia TimeScale=\"0\"/>")]
    [InlineData("<SmoothStreamingMedia><StreamIndex Type=\"video3d\" Name=\"v\"><QualityLevel Bitrate=\"1\" FourCC=\"H264\"/></StreamIndex></SmoothStreamingMedia>")]
    [InlineData("<SmoothStreamingMedia><StreamIndex Type=\"video\" Name=\"v\"></StreamIndex></SmoothStreamingMedia>")]
    [InlineData("<SmoothStreamingMedia><StreamIndex Type=\"video\" Name=\"v\"><QualityLevel FourCC=\"H264\"/></StreamIndex></SmoothStreamingMedia>")]
    [InlineData("<SmoothStreamingMedia><StreamIndex Type=\"video\" Name=\"v\"><QualityLevel Bitrate=\"1\" FourCC=\"H264\" CodecPrivateData=\"00ZZ\"/></StreamIndex></SmoothStreamingMedia>")]
    [InlineData("<SmoothStreamingMedia><StreamIndex Type=\"video\" Name=\"v\"><QualityLevel Bitrate=\"1\" FourCC=\"H264\"/><QualityLevel Bitrate=\"1\" FourCC=\"H264\"/></StreamIndex></SmoothStreamingMedia>")]
    [InlineData("<SmoothStreamingMedia><StreamIndex Type=\"video\" Name=\"v\"><QualityLevel Bitrate=\"1\" FourCC=\"H264\"/></StreamIndex><StreamIndex Type=\"audio\" Name=\"v\"><QualityLevel Bitrate=\"1\" FourCC=\"AACL\"/></StreamIndex></SmoothStreamingMedia>")]
    public void Read_MalformedDocument_Throws(string xml)
    {
        Should.Throw<MediaFormatException>(() => ClientManifestReader.Read(Encoding.UTF8.GetBytes(xml))).Message.ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("""<c />""")] // neither t nor d
    [InlineData("""<c t="0" />""")] // the last fragment without d
    [InlineData("""<c t="0" d="0" />""")]
    [InlineData("""<c t="0" d="-5" />""")]
    [InlineData("""<c t="0" d="10" r="0" />""")]
    [InlineData("""<c t="100" d="10" /><c t="50" d="10" />""")] // goes backwards
    [InlineData("""<c t="100" /><c t="100" d="10" />""")] // repeats a time
    [InlineData("""<c t="0" d="ten" />""")]
    [InlineData("""<c t="9223372036854775800" d="10" r="2" />""")] // overflows
    public void Read_BadTimeline_Throws(string chunks)
    {
        Should.Throw<MediaFormatException>(() => ClientManifestReader.Read(Manifest(chunks))).Message.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Read_RepeatOverTheLimit_ThrowsWithoutExpanding()
    {
        Should.Throw<MediaFormatException>(() => ClientManifestReader.Read(Manifest("""<c t="0" d="1" r="2000000000" />""")));
        Should.Throw<MediaFormatException>(() => ClientManifestReader.Read(Manifest("""<c t="0" d="1" r="11" />"""), maxFragments: 10));
        ClientManifestReader.Read(Manifest("""<c t="0" d="1" r="10" />"""), maxFragments: 10).Streams[0].Timeline.Count.ShouldBe(10);
    }

    private static byte[] Manifest(string chunks) => Encoding.UTF8.GetBytes(
        $"""<SmoothStreamingMedia MajorVersion="2" MinorVersion="2" IsLive="TRUE"><StreamIndex Type="video" Name="video" Url="QualityLevels({"{bitrate}"})/Fragments(video={"{start time}"})"><QualityLevel Bitrate="1000" FourCC="H264" />{chunks}</StreamIndex></SmoothStreamingMedia>""");

    private static StreamIndexModel Stream(TrackKind kind, string name, ImmutableArray<TrackInfo> levels, IReadOnlyList<TimelineEntry> timeline, string? language = null) =>
        new() { Kind = kind, Name = name, QualityLevels = levels, Timeline = timeline, Language = language };

    private static byte[] Write(ClientManifest manifest)
    {
        var output = new ArrayBufferWriter<byte>();
        SmoothManifestWriter.Write(manifest, output);
        return output.WrittenSpan.ToArray();
    }
}
