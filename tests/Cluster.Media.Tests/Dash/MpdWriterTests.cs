using System.Buffers;
using System.Xml.Linq;
using Cluster.Media.Dash;
using Cluster.Media.Model;

namespace Cluster.Media.Tests.Dash;

public class MpdWriterTests
{
    private const long Second = 10_000_000;
    private static readonly XNamespace Ns = "urn:mpeg:dash:schema:mpd:2011";

    private static MpdModel Live(params TimelineEntry[] video) => new()
    {
        AvailabilityStartTime = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero),
        PublishTime = new DateTimeOffset(2024, 5, 1, 12, 1, 2, 345, TimeSpan.Zero),
        TimeShiftBufferDepth = TimeSpan.FromHours(1) + TimeSpan.FromMinutes(2) + TimeSpan.FromMilliseconds(3456),
        MinimumUpdatePeriod = TimeSpan.FromSeconds(2),
        SuggestedPresentationDelay = TimeSpan.FromSeconds(6),
        UtcTimingUrl = "/time?iso&x=1",
        AdaptationSets =
        [
            new MpdAdaptationSet
            {
                Kind = TrackKind.Video,
                Timescale = Second,
                Timeline = video,
                InitializationTemplate = "QualityLevels($Bandwidth$)/init.mp4",
                MediaTemplate = "QualityLevels($Bandwidth$)/Fragments(video=$Time$,format=m4s)",
                Representations =
                [
                    new MpdRepresentation("video_200000", 200_000, "avc1.64000c") { Width = 160, Height = 90, FrameRate = 25 },
                    new MpdRepresentation("video_100000", 100_000, "avc1.64000b") { Width = 128, Height = 72, FrameRate = 30000.0 / 1001 },
                ],
            },
            new MpdAdaptationSet
            {
                Kind = TrackKind.Audio,
                Language = "en",
                Timescale = 48000,
                Timeline = [new(96000, 96000), new(192000, 96256)],
                InitializationTemplate = "QualityLevels($Bandwidth$)/init.mp4",
                MediaTemplate = "QualityLevels($Bandwidth$)/Fragments(audio=$Time$,format=m4s)",
                Representations = [new MpdRepresentation("audio_64000", 64_000, "mp4a.40.2") { SamplingRate = 48000, Channels = 2 }],
            },
        ],
    };

    private static XElement Write(MpdModel model)
    {
        var output = new ArrayBufferWriter<byte>();
        MpdWriter.Write(model, output);
        using var stream = new MemoryStream(output.WrittenSpan.ToArray());
        return XDocument.Load(stream).Root!;
    }

    /// <summary>Expands S elements per ISO/IEC 23009-1 5.3.9.6: t defaults to the previous end, r counts extra repeats.</summary>
    private static List<(long Time, long Duration)> Expand(XElement timeline)
    {
        var result = new List<(long, long)>();
        long next = 0;
        foreach (var s in timeline.Elements(Ns + "S"))
        {
            var t = (long?)s.Attribute("t") ?? next;
            var d = (long)s.Attribute("d")!;
            var r = (int?)s.Attribute("r") ?? 0;
            for (var i = 0; i <= r; i++)
            {
                result.Add((t, d));
                t += d;
            }

            next = t;
        }

        return result;
    }

    [Fact]
    public void Write_Live_DynamicMpdWithTimingAttributes()
    {
        var mpd = Write(Live(new(0, 2 * Second), new(2 * Second, 2 * Second)));

        mpd.Name.ShouldBe(Ns + "MPD");
        ((string)mpd.Attribute("type")!).ShouldBe("dynamic");
        ((string)mpd.Attribute("profiles")!).ShouldContain("urn:mpeg:dash:profile:isoff-live:2011");
        ((string)mpd.Attribute("availabilityStartTime")!).ShouldBe("2024-05-01T12:00:00.000Z");
        ((string)mpd.Attribute("publishTime")!).ShouldBe("2024-05-01T12:01:02.345Z");
        ((string)mpd.Attribute("timeShiftBufferDepth")!).ShouldBe("PT1H2M3.456S");
        ((string)mpd.Attribute("minimumUpdatePeriod")!).ShouldBe("PT2S");
        ((string)mpd.Attribute("suggestedPresentationDelay")!).ShouldBe("PT6S");
        ((string)mpd.Attribute("minBufferTime")!).ShouldBe("PT2S");
        ((string)mpd.Attribute("maxSegmentDuration")!).ShouldBe("PT2.005S"); // the longest: audio's 96256 / 48000 s
        XmlConvert(mpd.Attribute("timeShiftBufferDepth")!).ShouldBe(TimeSpan.FromMilliseconds(3_723_456));
        mpd.Attribute("mediaPresentationDuration").ShouldBeNull();
        var timing = mpd.Element(Ns + "UTCTiming")!;
        ((string)timing.Attribute("schemeIdUri")!).ShouldBe("urn:mpeg:dash:utc:http-iso:2014");
        ((string)timing.Attribute("value")!).ShouldBe("/time?iso&x=1");
        var period = mpd.Element(Ns + "Period")!;
        ((string)period.Attribute("start")!).ShouldBe("PT0S");
    }

    [Fact]
    public void Write_AdaptationSets_CarryContentTypeTemplatesAndRepresentations()
    {
        var sets = Write(Live(new TimelineEntry(0, 2 * Second))).Element(Ns + "Period")!.Elements(Ns + "AdaptationSet").ToList();
        sets.Count.ShouldBe(2);
        var video = sets[0];
        ((string)video.Attribute("contentType")!).ShouldBe("video");
        ((string)video.Attribute("mimeType")!).ShouldBe("video/mp4");
        ((string)video.Attribute("segmentAlignment")!).ShouldBe("true");
        ((string)video.Attribute("startWithSAP")!).ShouldBe("1");
        var template = video.Element(Ns + "SegmentTemplate")!;
        ((long)template.Attribute("timescale")!).ShouldBe(Second);
        ((string)template.Attribute("media")!).ShouldBe("QualityLevels($Bandwidth$)/Fragments(video=$Time$,format=m4s)");
        template.Attribute("presentationTimeOffset").ShouldBeNull();
        var representations = video.Elements(Ns + "Representation").ToList();
        ((string)representations[0].Attribute("codecs")!).ShouldBe("avc1.64000c");
        ((int)representations[0].Attribute("width")!).ShouldBe(160);
        ((string)representations[0].Attribute("frameRate")!).ShouldBe("25");
        ((string)representations[1].Attribute("frameRate")!).ShouldBe("30000/1001");

        var audio = sets[1];
        ((string)audio.Attribute("lang")!).ShouldBe("en");
        ((string)audio.Attribute("mimeType")!).ShouldBe("audio/mp4");
        var rep = audio.Element(Ns + "Representation")!;
        ((int)rep.Attribute("audioSamplingRate")!).ShouldBe(48000);
        var channels = rep.Element(Ns + "AudioChannelConfiguration")!;
        ((string)channels.Attribute("schemeIdUri")!).ShouldBe("urn:mpeg:dash:23003:3:audio_channel_configuration:2011");
        ((string)channels.Attribute("value")!).ShouldBe("2");
    }

    [Fact]
    public void Write_ConstantDurations_OneSWithRCountingAdditionalRepeats()
    {
        var entries = Enumerable.Range(0, 4).Select(i => new TimelineEntry((100 + (2 * i)) * Second, 2 * Second)).ToArray();
        var timeline = Write(Live(entries)).Descendants(Ns + "SegmentTimeline").First();
        var s = timeline.Elements(Ns + "S").Single();
        ((long)s.Attribute("t")!).ShouldBe(100 * Second);
        ((int)s.Attribute("r")!).ShouldBe(3); // four segments = the first plus three repeats
        Expand(timeline).ShouldBe(entries.Select(e => (e.Time, e.Duration)));
    }

    [Fact]
    public void Write_GapAndDurationChange_NewSWithExplicitTimeAfterTheGap()
    {
        TimelineEntry[] entries = [new(0, 2 * Second), new(2 * Second, 2 * Second), new(4 * Second, Second), new(20 * Second, 2 * Second), new(22 * Second, 2 * Second)];
        var timeline = Write(Live(entries)).Descendants(Ns + "SegmentTimeline").First();
        var s = timeline.Elements(Ns + "S").ToList();
        s.Count.ShouldBe(3);
        s[1].Attribute("t").ShouldBeNull(); // continuous: t implied by the previous end
        ((long)s[2].Attribute("t")!).ShouldBe(20 * Second);
        Expand(timeline).ShouldBe(entries.Select(e => (e.Time, e.Duration)));
    }

    [Fact]
    public void Write_Ended_StaticWithDurationAndOffsetToTheEarliestSample()
    {
        var model = Live(new(10 * Second, 2 * Second), new(12 * Second, 2 * Second)) with { Ended = true };
        var mpd = Write(model);
        ((string)mpd.Attribute("type")!).ShouldBe("static");
        mpd.Attribute("availabilityStartTime").ShouldBeNull();
        mpd.Attribute("minimumUpdatePeriod").ShouldBeNull();
        mpd.Attribute("timeShiftBufferDepth").ShouldBeNull();

        // Video runs 10..14 s, audio 2..6.0053 s: the presentation is 2..14 s.
        ((string)mpd.Attribute("mediaPresentationDuration")!).ShouldBe("PT12S");
        var templates = mpd.Descendants(Ns + "SegmentTemplate").ToList();
        ((long)templates[0].Attribute("presentationTimeOffset")!).ShouldBe(2 * Second);
        ((long)templates[1].Attribute("presentationTimeOffset")!).ShouldBe(96000);
    }

    private static TimeSpan XmlConvert(XAttribute attribute) => System.Xml.XmlConvert.ToTimeSpan(attribute.Value);
}
