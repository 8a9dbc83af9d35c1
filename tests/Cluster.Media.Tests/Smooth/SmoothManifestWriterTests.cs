using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Xml.Linq;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Media.Tests.Smooth;

public sealed class SmoothManifestWriterTests
{
    private static readonly TrackInfo Video200 = new()
    {
        Kind = TrackKind.Video, Name = "video", Bitrate = 200000, FourCC = "H264", CodecPrivateData = "00000001AB", Width = 160, Height = 90,
    };

    private static readonly TrackInfo Video100 = Video200 with { Bitrate = 100000, Width = 128, Height = 72 };

    private static readonly TrackInfo Audio = new()
    {
        Kind = TrackKind.Audio, Name = "audio", Bitrate = 64000, FourCC = "AACL", CodecPrivateData = "1190",
        SamplingRate = 48000, Channels = 2, BitsPerSample = 16, PacketSize = 4, AudioTag = 255,
    };

    [Fact]
    public void Write_Live_HasLiveAttributesAndStreams()
    {
        var manifest = new ClientManifest
        {
            IsLive = true,
            LookaheadCount = 2,
            DvrWindowLength = 1_200_000_000,
            Streams =
            [
                Stream(TrackKind.Video, "video", [Video200, Video100], [new(0, 20_000_000), new(20_000_000, 20_000_000)]),
                Stream(TrackKind.Audio, "audio", [Audio], [new(0, 19_200_000)], language: "fra"),
            ],
        };

        var root = Parse(manifest, out var text);

        text.ShouldStartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        root.Name.LocalName.ShouldBe("SmoothStreamingMedia");
        ((string?)root.Attribute("MajorVersion")).ShouldBe("2");
        ((string?)root.Attribute("MinorVersion")).ShouldBe("2");
        ((string?)root.Attribute("TimeScale")).ShouldBe("10000000");
        ((string?)root.Attribute("IsLive")).ShouldBe("TRUE");
        ((string?)root.Attribute("LookaheadCount")).ShouldBe("2");
        ((string?)root.Attribute("DVRWindowLength")).ShouldBe("1200000000");

        var video = root.Elements("StreamIndex").First();
        ((string?)video.Attribute("Type")).ShouldBe("video");
        ((string?)video.Attribute("Chunks")).ShouldBe("2");
        ((string?)video.Attribute("QualityLevels")).ShouldBe("2");
        ((string?)video.Attribute("Url")).ShouldBe("QualityLevels({bitrate})/Fragments(video={start time})");
        ((string?)video.Attribute("MaxWidth")).ShouldBe("160");
        ((string?)video.Attribute("DisplayHeight")).ShouldBe("90");
        video.Attribute("Language").ShouldBeNull();
        var levels = video.Elements("QualityLevel").ToList();
        levels.Select(l => (string?)l.Attribute("Index")).ShouldBe(["0", "1"]);
        levels.Select(l => (string?)l.Attribute("Bitrate")).ShouldBe(["200000", "100000"]);
        ((string?)levels[1].Attribute("MaxWidth")).ShouldBe("128");
        ((string?)levels[0].Attribute("CodecPrivateData")).ShouldBe("00000001AB");

        var audio = root.Elements("StreamIndex").Last();
        ((string?)audio.Attribute("Language")).ShouldBe("fra");
        var level = audio.Element("QualityLevel")!;
        ((string?)level.Attribute("SamplingRate")).ShouldBe("48000");
        ((string?)level.Attribute("AudioTag")).ShouldBe("255");
        ((string?)level.Attribute("PacketSize")).ShouldBe("4");
        level.Attribute("MaxWidth").ShouldBeNull();
    }

    [Fact]
    public void Write_Vod_OmitsLiveAttributes()
    {
        var root = Parse(new ClientManifest { Duration = 40_000_000, Streams = [Stream(TrackKind.Audio, "audio", [Audio], [new(0, 40_000_000)])] }, out _);

        root.Attribute("IsLive").ShouldBeNull();
        root.Attribute("LookaheadCount").ShouldBeNull();
        root.Attribute("DVRWindowLength").ShouldBeNull();
        ((string?)root.Attribute("Duration")).ShouldBe("40000000");
    }

    [Fact]
    public void Write_Timeline_RunsGapsAndDurationChanges()
    {
        TimelineEntry[] timeline =
        [
            new(1000, 20), new(1020, 20), new(1040, 20), // run of 3
            new(1060, 10), // contiguous, new duration: no t
            new(2000, 10), new(2010, 10), // gap: explicit t, run of 2
        ];

        var root = Parse(new ClientManifest { IsLive = true, Streams = [Stream(TrackKind.Video, "video", [Video200], timeline)] }, out _);

        var chunks = root.Element("StreamIndex")!.Elements("c")
            .Select(c => ((string?)c.Attribute("t"), (string?)c.Attribute("d"), (string?)c.Attribute("r")))
            .ToList();
        chunks.ShouldBe([("1000", "20", "3"), (null, "10", null), ("2000", "10", "2")]);
        ((string?)root.Element("StreamIndex")!.Attribute("Chunks")).ShouldBe("6");
    }

    [Fact]
    public void Write_NameWithSpecialCharacters_Escaped()
    {
        const string Name = "a&b<\"c'>\u00e9\u65e5";
        var root = Parse(new ClientManifest { Streams = [Stream(TrackKind.Audio, Name, [Audio with { Name = Name }], [])] }, out _);

        var stream = root.Element("StreamIndex")!;
        ((string?)stream.Attribute("Name")).ShouldBe(Name);
        ((string?)stream.Attribute("Url")).ShouldBe($"QualityLevels({{bitrate}})/Fragments({Name}={{start time}})");
        stream.Elements("c").ShouldBeEmpty();
    }

    [Fact]
    public void Write_LongDvrTimeline_OneRun()
    {
        var timeline = Enumerable.Range(0, 3600).Select(i => new TimelineEntry(i * 20_000_000L, 20_000_000)).ToList();

        var root = Parse(new ClientManifest { IsLive = true, Streams = [Stream(TrackKind.Video, "video", [Video200], timeline)] }, out _);

        var c = root.Element("StreamIndex")!.Elements("c").ShouldHaveSingleItem();
        ((string?)c.Attribute("r")).ShouldBe("3600");
        ((string?)c.Attribute("t")).ShouldBe("0");
    }

    private static StreamIndexModel Stream(TrackKind kind, string name, ImmutableArray<TrackInfo> levels, IReadOnlyList<TimelineEntry> timeline, string? language = null) =>
        new() { Kind = kind, Name = name, QualityLevels = levels, Timeline = timeline, Language = language };

    private static XElement Parse(ClientManifest manifest, out string text)
    {
        var output = new ArrayBufferWriter<byte>();
        SmoothManifestWriter.Write(manifest, output);
        text = Encoding.UTF8.GetString(output.WrittenSpan);
        return XDocument.Parse(text).Root!;
    }
}
