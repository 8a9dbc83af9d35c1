using System.Buffers;
using System.Globalization;
using System.Text;
using Cluster.Media.Hls;
using Cluster.Media.Model;

namespace Cluster.Media.Tests.Hls;

public class HlsPlaylistWriterTests
{
    private const long Second = 10_000_000;

    private static string[] Media(HlsMediaPlaylist model)
    {
        var output = new ArrayBufferWriter<byte>();
        HlsPlaylistWriter.WriteMedia(model, output);
        return Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static HlsMediaPlaylist Model(params TimelineEntry[] entries) => new()
    {
        Timescale = Second,
        Entries = entries,
        MediaSequence = HlsPlaylistWriter.MediaSequenceFor(entries[0].Time, entries[0].Duration),
        InitUri = "init.mp4",
        SegmentUriTemplate = "Fragments(video={time},format=m4s)",
    };

    private static string Tag(string[] lines, string name) => lines.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..];

    [Fact]
    public void WriteMedia_LiveWindow_HeaderMapSegmentsAndNoEndList()
    {
        var lines = Media(Model(new(40 * Second, 2 * Second), new(42 * Second, 2 * Second), new(44 * Second, 2 * Second)));

        lines[0].ShouldBe("#EXTM3U");
        Tag(lines, "#EXT-X-VERSION").ShouldBe("7");
        Tag(lines, "#EXT-X-MEDIA-SEQUENCE").ShouldBe("20"); // 40 s / 2 s
        lines.ShouldContain("#EXT-X-INDEPENDENT-SEGMENTS");
        var map = Array.FindIndex(lines, l => l.StartsWith("#EXT-X-MAP:URI=\"init.mp4\"", StringComparison.Ordinal));
        map.ShouldBeLessThan(Array.FindIndex(lines, l => l.StartsWith("#EXTINF", StringComparison.Ordinal)));
        lines.Where(l => !l.StartsWith('#')).ShouldBe(["Fragments(video=400000000,format=m4s)", "Fragments(video=420000000,format=m4s)", "Fragments(video=440000000,format=m4s)"]);
        lines.Count(l => l == "#EXTINF:2.000,").ShouldBe(3);
        lines.ShouldNotContain("#EXT-X-ENDLIST");
        lines.ShouldNotContain(l => l.StartsWith("#EXT-X-PLAYLIST-TYPE", StringComparison.Ordinal));
        lines.ShouldNotContain("#EXT-X-DISCONTINUITY");
    }

    [Fact]
    public void WriteMedia_TsSegments_NoMapAndVersion3()
    {
        // RFC 8216 4.3.2.5: EXT-X-MAP is for segments that need an initialization section; TS segments carry their own.
        // 7: version 3 is what decimal EXTINF durations need, and nothing else written here needs more.
        var lines = Media(Model(new(40 * Second, 2 * Second), new(42 * Second, 2 * Second)) with { InitUri = null, Version = 3, SegmentUriTemplate = "Fragments(video={time},format=m3u8-aapl).ts" });

        Tag(lines, "#EXT-X-VERSION").ShouldBe("3");
        lines.ShouldNotContain(l => l.StartsWith("#EXT-X-MAP", StringComparison.Ordinal));
        Tag(lines, "#EXT-X-MEDIA-SEQUENCE").ShouldBe("20");
        lines.Where(l => !l.StartsWith('#')).ShouldBe(["Fragments(video=400000000,format=m3u8-aapl).ts", "Fragments(video=420000000,format=m3u8-aapl).ts"]);
    }

    [Fact]
    public void WriteMedia_UnevenDurations_TargetDurationCoversEveryRoundedExtinf()
    {
        // Audio-like durations: 2.0053 s and 1.9947 s; 2.6 s rounds to 3, so the target must be at least 3.
        var lines = Media(Model(new(0, 20_053_333), new(20_053_333, 19_946_667), new(40_000_000, 26_000_000)));
        var target = int.Parse(Tag(lines, "#EXT-X-TARGETDURATION"), CultureInfo.InvariantCulture);
        var durations = lines.Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal))
            .Select(l => decimal.Parse(l[8..^1], CultureInfo.InvariantCulture)).ToList();
        durations.ShouldBe([2.005m, 1.995m, 2.600m]);
        foreach (var duration in durations)
        {
            Math.Round(duration, MidpointRounding.AwayFromZero).ShouldBeLessThanOrEqualTo(target);
            duration.ShouldBeLessThanOrEqualTo(target);
        }
    }

    [Fact]
    public void WriteMedia_GapInTimeline_DiscontinuityAndDateBeforeTheSegmentAfterIt()
    {
        var anchor = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var model = Model(new(0, 2 * Second), new(2 * Second, 2 * Second), new(10 * Second, 2 * Second)) with { ProgramDateTimeAnchor = anchor };
        var lines = Media(model);

        var dates = lines.Where(l => l.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", StringComparison.Ordinal)).ToList();
        dates.ShouldBe(["#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.000Z", "#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:10.000Z"]);
        var discontinuity = Array.IndexOf(lines, "#EXT-X-DISCONTINUITY");
        discontinuity.ShouldBeGreaterThan(0);
        lines.Count(l => l == "#EXT-X-DISCONTINUITY").ShouldBe(1);
        lines.Skip(discontinuity).First(l => !l.StartsWith('#')).ShouldBe("Fragments(video=100000000,format=m4s)");
        Array.FindIndex(lines, l => l.StartsWith("#EXT-X-PROGRAM-DATE-TIME", StringComparison.Ordinal))
            .ShouldBeLessThan(Array.FindIndex(lines, l => l.StartsWith("#EXTINF", StringComparison.Ordinal)));
    }

    [Fact]
    public void WriteMedia_EndedWithDiscontinuitySequence_WritesEndListAndSequence()
    {
        var lines = Media(Model(new TimelineEntry(0, 2 * Second)) with { Ended = true, DiscontinuitySequence = 2 });
        lines[^1].ShouldBe("#EXT-X-ENDLIST");
        Tag(lines, "#EXT-X-DISCONTINUITY-SEQUENCE").ShouldBe("2");
    }

    [Fact]
    public void MediaSequenceFor_TwoOriginsWithDifferentWindows_AgreeOnEachSegmentsNumber()
    {
        // Origin A's window starts at 100 s, origin B's (shorter DVR) at 110 s: the segment at 110 s is number 55 on both.
        var a = HlsPlaylistWriter.MediaSequenceFor(100 * Second, 2 * Second);
        var b = HlsPlaylistWriter.MediaSequenceFor(110 * Second, 2 * Second);
        (a + 5).ShouldBe(b);
        b.ShouldBe(55);
        HlsPlaylistWriter.MediaSequenceFor(0, 2 * Second).ShouldBe(0);
    }

    [Fact]
    public void WriteMultivariant_VideoAndAudio_StreamInfCountsAudioAndNamesTheGroup()
    {
        var model = new HlsMultivariantPlaylist(
            [new HlsVideoVariant("v200.m3u8", 200_000, "avc1.64000c", 160, 90) { FrameRate = 25, AverageBandwidth = 180_000 },
             new HlsVideoVariant("v100.m3u8", 100_000, "avc1.64000b", 128, 72)],
            [new HlsAudioRendition("a64.m3u8", "English", 64_000, "mp4a.40.2", 2) { Language = "en" },
             new HlsAudioRendition("a96.m3u8", "Commentary \"live\"", 96_000, "mp4a.40.2", 2)]);
        var output = new ArrayBufferWriter<byte>();
        HlsPlaylistWriter.WriteMultivariant(model, output);
        var lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines[0].ShouldBe("#EXTM3U");
        var media = lines.Where(l => l.StartsWith("#EXT-X-MEDIA:", StringComparison.Ordinal)).ToList();
        media.Count.ShouldBe(2);
        media[0].ShouldBe("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"a64.m3u8\"");
        media[1].ShouldContain("DEFAULT=NO"); // RFC 8216 4.3.4.1.1: at most one DEFAULT=YES per group
        media[1].ShouldContain("NAME=\"Commentary 'live'\"");
        var inf = Array.FindIndex(lines, l => l.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal));
        lines[inf].ShouldBe("#EXT-X-STREAM-INF:BANDWIDTH=296000,AVERAGE-BANDWIDTH=276000,CODECS=\"avc1.64000c,mp4a.40.2\",RESOLUTION=160x90,FRAME-RATE=25.000,AUDIO=\"audio\"");
        lines[inf + 1].ShouldBe("v200.m3u8");
        lines.Count(l => l.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public void WriteMultivariant_AudioOnly_EachRenditionIsAVariant()
    {
        var model = new HlsMultivariantPlaylist([], [new HlsAudioRendition("a64.m3u8", "audio", 64_000, "mp4a.40.2", 2)]);
        var output = new ArrayBufferWriter<byte>();
        HlsPlaylistWriter.WriteMultivariant(model, output);
        var lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines.ShouldNotContain(l => l.StartsWith("#EXT-X-MEDIA:", StringComparison.Ordinal));
        lines.ShouldContain("#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"");
        lines[^1].ShouldBe("a64.m3u8");
    }
}
