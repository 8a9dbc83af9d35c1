using System.Buffers;
using System.Collections.Immutable;
using Cluster.Media.Text;

namespace Cluster.Media.Hls;

/// <summary>Writes HLS playlists (RFC 8216; version 7 with fMP4 segments, 3 with MPEG-2 TS) straight into a buffer.</summary>
public static class HlsPlaylistWriter
{
    private const string AudioGroup = "audio";

    /// <summary>
    /// The media sequence number of a segment, derived from its timestamp: time / duration. Two origins fed by the same
    /// encoder, or an origin restarted mid-event, must print the same number for the same segment, so the number
    /// cannot be a counter of fragments received. For a constant-duration live stream this gives each fragment the
    /// number time/duration. Limits: with variable durations or after a gap the numbers of later segments are
    /// first + index (HLS has no per-segment numbers), so they only agree between origins whose windows start at the
    /// same fragment; the EXT-X-DISCONTINUITY and PROGRAM-DATE-TIME written after a gap let players realign.
    /// </summary>
    public static long MediaSequenceFor(long firstTime, long firstDuration) =>
        firstDuration > 0 ? Math.Max(firstTime, 0) / firstDuration : 0;

    /// <summary>Writes the multivariant playlist.</summary>
    public static void WriteMultivariant(HlsMultivariantPlaylist model, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        var video = model.Video.IsDefault ? [] : model.Video;
        var audio = model.Audio.IsDefault ? [] : model.Audio;

        output.Write("#EXTM3U\n#EXT-X-VERSION:"u8);
        output.WriteInt(model.Version);
        output.Write("\n#EXT-X-INDEPENDENT-SEGMENTS\n"u8);
        if (video.Length == 0)
        {
            // Audio only: each rendition is a variant of its own (RFC 8216 4.3.4.2 needs no RESOLUTION for it).
            foreach (var rendition in audio)
            {
                WriteVariantHeader(output, rendition.Bandwidth, rendition.AverageBandwidth);
                output.Write(",CODECS="u8);
                output.WriteQuoted(rendition.Codecs);
                WriteUriLine(output, rendition.Uri);
            }

            return;
        }

        var (peakAudio, averageAudio) = WriteAudioRenditions(output, audio);
        foreach (var variant in video)
        {
            WriteVideoVariant(output, variant, audio, peakAudio, averageAudio);
        }
    }

    /// <summary>The EXT-X-MEDIA lines of the audio group; returns the highest peak and average rates among them.</summary>
    private static (int Peak, int Average) WriteAudioRenditions(IBufferWriter<byte> output, ImmutableArray<HlsAudioRendition> audio)
    {
        var peak = 0;
        var average = 0;
        if (audio.Length > 0)
        {
            output.Write("\n"u8);
        }

        for (var i = 0; i < audio.Length; i++)
        {
            var rendition = audio[i];
            peak = Math.Max(peak, rendition.Bandwidth);
            average = Math.Max(average, rendition.AverageBandwidth ?? rendition.Bandwidth);
            output.Write("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\""u8);
            output.WriteText(AudioGroup);
            output.Write("\",NAME="u8);
            output.WriteQuoted(rendition.Name);
            if (!string.IsNullOrEmpty(rendition.Language))
            {
                output.Write(",LANGUAGE="u8);
                output.WriteQuoted(rendition.Language);
            }

            // A group has at most one DEFAULT=YES member (RFC 8216 4.3.4.1.1): the first one.
            output.Write(i == 0 ? ",DEFAULT=YES,AUTOSELECT=YES"u8 : ",DEFAULT=NO,AUTOSELECT=YES"u8);
            if (rendition.Channels > 0)
            {
                output.Write(",CHANNELS=\""u8);
                output.WriteInt(rendition.Channels);
                output.Write("\""u8);
            }

            output.Write(",URI="u8);
            output.WriteQuoted(rendition.Uri);
            output.Write("\n"u8);
        }

        return (peak, average);
    }

    /// <summary>
    /// One EXT-X-STREAM-INF: BANDWIDTH is the peak of everything a client fetches for the variant (RFC 8216 4.3.4.2),
    /// so it includes the most demanding audio rendition of the group, and CODECS names the audio codecs too.
    /// </summary>
    private static void WriteVideoVariant(IBufferWriter<byte> output, HlsVideoVariant variant, ImmutableArray<HlsAudioRendition> audio, int peakAudio, int averageAudio)
    {
        WriteVariantHeader(output, (long)variant.Bandwidth + peakAudio, variant.AverageBandwidth is { } average ? (long)average + averageAudio : null);
        output.Write(",CODECS=\""u8);
        output.WriteText(variant.Codecs);
        for (var i = 0; i < audio.Length; i++)
        {
            if (!SeenBefore(audio, i))
            {
                output.Write(","u8);
                output.WriteText(audio[i].Codecs);
            }
        }

        output.Write("\""u8);
        if (variant.Width > 0 && variant.Height > 0)
        {
            output.Write(",RESOLUTION="u8);
            output.WriteInt(variant.Width);
            output.Write("x"u8);
            output.WriteInt(variant.Height);
        }

        if (variant.FrameRate is > 0 and var rate)
        {
            output.Write(",FRAME-RATE="u8);
            output.WriteSeconds3((long)Math.Round(rate * 1000), 1000);
        }

        if (audio.Length > 0)
        {
            output.Write(",AUDIO=\""u8);
            output.WriteText(AudioGroup);
            output.Write("\""u8);
        }

        WriteUriLine(output, variant.Uri);
    }

    private static void WriteVariantHeader(IBufferWriter<byte> output, long bandwidth, long? average)
    {
        output.Write("\n#EXT-X-STREAM-INF:BANDWIDTH="u8);
        output.WriteInt(bandwidth);
        if (average is { } value)
        {
            output.Write(",AVERAGE-BANDWIDTH="u8);
            output.WriteInt(value);
        }
    }

    private static void WriteUriLine(IBufferWriter<byte> output, string uri)
    {
        output.Write("\n"u8);
        output.WriteText(uri);
        output.Write("\n"u8);
    }

    /// <summary>Writes the media playlist of one track.</summary>
    public static void WriteMedia(HlsMediaPlaylist model, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        if (model.Timescale <= 0)
        {
            throw new ArgumentException("The timescale must be positive.", nameof(model));
        }

        var entries = model.Entries;
        long longest = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            longest = Math.Max(longest, entries[i].Duration);
        }

        // RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer must be <= the target duration. The ceiling
        // satisfies that and also covers players that compare unrounded durations; at least 1 (hls.js treats 0 as 1).
        var target = Math.Max(1, (longest + model.Timescale - 1) / model.Timescale);

        output.Write("#EXTM3U\n#EXT-X-VERSION:"u8);
        output.WriteInt(model.Version);
        output.Write("\n#EXT-X-TARGETDURATION:"u8);
        output.WriteInt(target);
        output.Write("\n#EXT-X-MEDIA-SEQUENCE:"u8);
        output.WriteInt(model.MediaSequence);
        output.Write("\n"u8);
        if (model.DiscontinuitySequence > 0)
        {
            output.Write("#EXT-X-DISCONTINUITY-SEQUENCE:"u8);
            output.WriteInt(model.DiscontinuitySequence);
            output.Write("\n"u8);
        }

        output.Write("#EXT-X-INDEPENDENT-SEGMENTS\n"u8);
        if (model.InitUri is { } init)
        {
            output.Write("#EXT-X-MAP:URI="u8);
            output.WriteQuoted(init);
            output.Write("\n"u8);
        }

        var (prefix, suffix, hasPlaceholder) = ManifestText.SplitTemplate(model.SegmentUriTemplate, "{time}");
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var afterGap = i > 0 && entry.Time != entries[i - 1].End;
            if (afterGap)
            {
                output.Write("#EXT-X-DISCONTINUITY\n"u8);
            }

            if (model.ProgramDateTimeAnchor is { } anchor && (i == 0 || afterGap))
            {
                output.Write("#EXT-X-PROGRAM-DATE-TIME:"u8);
                output.WriteDate(anchor.AddTicks((long)((Int128)entry.Time * TimeSpan.TicksPerSecond / model.Timescale)));
                output.Write("\n"u8);
            }

            output.Write("#EXTINF:"u8);
            output.WriteSeconds3(entry.Duration, model.Timescale);
            output.Write(",\n"u8);
            output.Write(prefix);
            if (hasPlaceholder)
            {
                output.WriteInt(entry.Time);
                output.Write(suffix);
            }

            output.Write("\n"u8);
        }

        if (model.Ended)
        {
            output.Write("#EXT-X-ENDLIST\n"u8);
        }
    }

    private static bool SeenBefore(ImmutableArray<HlsAudioRendition> audio, int index)
    {
        for (var j = 0; j < index; j++)
        {
            if (string.Equals(audio[j].Codecs, audio[index].Codecs, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
