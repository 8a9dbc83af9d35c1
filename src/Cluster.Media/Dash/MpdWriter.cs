using System.Collections.Immutable;
using System.Buffers;
using Cluster.Media.Model;
using Cluster.Media.Text;

namespace Cluster.Media.Dash;

/// <summary>
/// Writes a DASH MPD (ISO/IEC 23009-1) with SegmentTemplate and SegmentTimeline, following DASH-IF IOP for live
/// (type dynamic) and turning static once the stream has ended.
/// </summary>
public static class MpdWriter
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>Writes the MPD.</summary>
    public static void Write(MpdModel model, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        var sets = model.AdaptationSets.IsDefault ? [] : model.AdaptationSets;
        var extent = Extent.Of(sets);

        output.Write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""u8);
        output.Write(" profiles=\"urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019\""u8);
        WriteTiming(output, model, extent);
        output.Write(">\n  <Period id=\"0\" start=\"PT0S\">\n"u8);
        for (var i = 0; i < sets.Length; i++)
        {
            var offset = model.Ended ? (long)(extent.Earliest * sets[i].Timescale / TicksPerSecond) : 0;
            WriteAdaptationSet(output, sets[i], i, offset);
        }

        output.Write("  </Period>\n"u8);

        // UTCTiming comes after Period in the MPD schema's element order.
        if (!string.IsNullOrEmpty(model.UtcTimingUrl))
        {
            output.Write("  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\""u8);
            output.WriteXmlAttribute(model.UtcTimingUrl);
            output.Write("\"/>\n"u8);
        }

        output.Write("</MPD>\n"u8);
    }

    /// <summary>The MPD element's type and timing attributes: static with its duration, or dynamic with its availability.</summary>
    private static void WriteTiming(IBufferWriter<byte> output, MpdModel model, Extent extent)
    {
        if (model.Ended)
        {
            // Static: the presentation is the media from the earliest to the latest sample; presentationTimeOffset
            // moves the earliest one to period time 0 so players do not see a long empty start.
            output.Write(" type=\"static\" mediaPresentationDuration=\""u8);
            output.WriteDuration((long)(extent.Latest - extent.Earliest), TicksPerSecond);
            output.Write("\""u8);
        }
        else
        {
            // Dynamic (DASH-IF IOP 4.3): a segment at media time t is available at availabilityStartTime + t + d
            // with Period@start 0 and presentationTimeOffset 0.
            output.Write(" type=\"dynamic\" availabilityStartTime=\""u8);
            output.WriteDate(model.AvailabilityStartTime);
            output.Write("\" minimumUpdatePeriod=\""u8);
            output.WriteDuration(model.MinimumUpdatePeriod.Ticks, TicksPerSecond);
            output.Write("\" timeShiftBufferDepth=\""u8);
            output.WriteDuration(model.TimeShiftBufferDepth.Ticks, TicksPerSecond);
            output.Write("\" suggestedPresentationDelay=\""u8);
            output.WriteDuration(model.SuggestedPresentationDelay.Ticks, TicksPerSecond);
            output.Write("\""u8);
        }

        output.Write(" publishTime=\""u8);
        output.WriteDate(model.PublishTime);
        output.Write("\" minBufferTime=\""u8);
        output.WriteDuration(model.MinBufferTime.Ticks, TicksPerSecond);
        output.Write("\""u8);
        if (extent.Longest > 0)
        {
            output.Write(" maxSegmentDuration=\""u8);
            output.WriteDuration(extent.Longest, extent.LongestTimescale);
            output.Write("\""u8);
        }
    }

    /// <summary>Where the presentation starts and ends (100 ns ticks) and its longest segment, across all sets.</summary>
    private readonly record struct Extent(Int128 Earliest, Int128 Latest, long Longest, long LongestTimescale)
    {
        public static Extent Of(ImmutableArray<MpdAdaptationSet> sets)
        {
            Int128 earliest = long.MaxValue;
            Int128 latest = 0;
            long longest = 0;
            long longestTimescale = 1;
            foreach (var set in sets)
            {
                if (set.Timescale <= 0)
                {
                    throw new ArgumentException("Every adaptation set needs a positive timescale.", nameof(sets));
                }

                var timeline = set.Timeline;
                if (timeline.Count == 0)
                {
                    continue;
                }

                earliest = Int128.Min(earliest, (Int128)timeline[0].Time * TicksPerSecond / set.Timescale);
                latest = Int128.Max(latest, (Int128)timeline[timeline.Count - 1].End * TicksPerSecond / set.Timescale);
                for (var i = 0; i < timeline.Count; i++)
                {
                    if ((Int128)timeline[i].Duration * longestTimescale > (Int128)longest * set.Timescale)
                    {
                        longest = timeline[i].Duration;
                        longestTimescale = set.Timescale;
                    }
                }
            }

            return new Extent(earliest == long.MaxValue ? 0 : earliest, latest, longest, longestTimescale);
        }
    }

    private static void WriteAdaptationSet(IBufferWriter<byte> output, MpdAdaptationSet set, int id, long presentationTimeOffset)
    {
        output.Write("    <AdaptationSet id=\""u8);
        output.WriteInt(id);
        output.Write(set.Kind switch
        {
            TrackKind.Video => "\" contentType=\"video\" mimeType=\"video/mp4\""u8,
            TrackKind.Audio => "\" contentType=\"audio\" mimeType=\"audio/mp4\""u8,
            _ => "\" contentType=\"text\" mimeType=\"application/mp4\""u8,
        });
        output.Write(" segmentAlignment=\"true\" startWithSAP=\"1\""u8);
        if (!string.IsNullOrEmpty(set.Language))
        {
            output.Write(" lang=\""u8);
            output.WriteXmlAttribute(set.Language);
            output.Write("\""u8);
        }

        output.Write(">\n      <SegmentTemplate timescale=\""u8);
        output.WriteInt(set.Timescale);
        output.Write("\""u8);
        if (presentationTimeOffset != 0)
        {
            output.Write(" presentationTimeOffset=\""u8);
            output.WriteInt(presentationTimeOffset);
            output.Write("\""u8);
        }

        output.Write(" initialization=\""u8);
        output.WriteXmlAttribute(set.InitializationTemplate);
        output.Write("\" media=\""u8);
        output.WriteXmlAttribute(set.MediaTemplate);
        output.Write("\">\n        <SegmentTimeline>\n"u8);
        WriteTimeline(output, set.Timeline);
        output.Write("        </SegmentTimeline>\n      </SegmentTemplate>\n"u8);

        var representations = set.Representations.IsDefault ? [] : set.Representations;
        foreach (var representation in representations)
        {
            WriteRepresentation(output, representation);
        }

        output.Write("    </AdaptationSet>\n"u8);
    }

    /// <summary>
    /// Run-length encodes the timeline (23009-1 5.3.9.6): one S per run of equal, back-to-back durations, where r
    /// counts the repeats after the first (r="2" is three segments). t is written on the first S and on any S that does
    /// not start where the previous one ended, which is how a gap (or an overlap) is expressed.
    /// </summary>
    private static void WriteTimeline(IBufferWriter<byte> output, IReadOnlyList<TimelineEntry> timeline)
    {
        var i = 0;
        long expected = -1;
        while (i < timeline.Count)
        {
            var first = timeline[i];
            var repeats = 0;
            while (i + repeats + 1 < timeline.Count)
            {
                var next = timeline[i + repeats + 1];
                if (next.Duration != first.Duration || next.Time != first.Time + ((repeats + 1) * first.Duration))
                {
                    break;
                }

                repeats++;
            }

            output.Write("          <S"u8);
            if (first.Time != expected)
            {
                output.Write(" t=\""u8);
                output.WriteInt(first.Time);
                output.Write("\""u8);
            }

            output.Write(" d=\""u8);
            output.WriteInt(first.Duration);
            output.Write("\""u8);
            if (repeats > 0)
            {
                output.Write(" r=\""u8);
                output.WriteInt(repeats);
                output.Write("\""u8);
            }

            output.Write("/>\n"u8);
            expected = first.Time + ((repeats + 1) * first.Duration);
            i += repeats + 1;
        }
    }

    private static void WriteRepresentation(IBufferWriter<byte> output, MpdRepresentation representation)
    {
        output.Write("      <Representation id=\""u8);
        output.WriteXmlAttribute(representation.Id);
        output.Write("\" bandwidth=\""u8);
        output.WriteInt(representation.Bandwidth);
        output.Write("\" codecs=\""u8);
        output.WriteXmlAttribute(representation.Codecs);
        output.Write("\""u8);
        if (representation.Width > 0 && representation.Height > 0)
        {
            output.Write(" width=\""u8);
            output.WriteInt(representation.Width);
            output.Write("\" height=\""u8);
            output.WriteInt(representation.Height);
            output.Write("\""u8);
        }

        if (representation.FrameRate is > 0 and var rate)
        {
            output.Write(" frameRate=\""u8);
            WriteFrameRate(output, rate);
            output.Write("\""u8);
        }

        if (representation.SamplingRate > 0)
        {
            output.Write(" audioSamplingRate=\""u8);
            output.WriteInt(representation.SamplingRate);
            output.Write("\""u8);
        }

        if (representation.Channels <= 0)
        {
            output.Write("/>\n"u8);
            return;
        }

        output.Write(">\n        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\""u8);
        output.WriteInt(representation.Channels);
        output.Write("\"/>\n      </Representation>\n"u8);
    }

    /// <summary>FrameRateType is an integer or a fraction: 25, 30000/1001, or thousandths for anything else.</summary>
    private static void WriteFrameRate(IBufferWriter<byte> output, double rate)
    {
        var whole = Math.Round(rate);
        if (Math.Abs(rate - whole) < 1e-6)
        {
            output.WriteInt((long)whole);
            return;
        }

        var ntsc = Math.Round(rate * 1001);
        if (Math.Abs((rate * 1001) - ntsc) < 1e-3 && ntsc % 1000 == 0)
        {
            output.WriteInt((long)ntsc);
            output.Write("/1001"u8);
            return;
        }

        output.WriteInt((long)Math.Round(rate * 1000));
        output.Write("/1000"u8);
    }
}
