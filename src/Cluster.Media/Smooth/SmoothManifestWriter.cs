using System.Buffers;
using Cluster.Media.Model;
using Cluster.Media.Text;

namespace Cluster.Media.Smooth;

/// <summary>
/// Writes the Smooth Streaming client manifest (MS-SSTR 2.2.2, version 2.2) as UTF-8 XML. Timelines are run-length
/// encoded: a fragment starting where the previous ended with the same duration extends the previous c element's r.
/// </summary>
public static class SmoothManifestWriter
{
    /// <summary>Writes <paramref name="manifest"/> to <paramref name="output"/>.</summary>
    public static void Write(ClientManifest manifest, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(output);
        var xml = new Utf8XmlOutput(output);
        xml.Raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<SmoothStreamingMedia MajorVersion=\"2\" MinorVersion=\"2\""u8);
        xml.Attribute("TimeScale"u8, manifest.TimeScale);
        xml.Attribute("Duration"u8, manifest.Duration);
        if (manifest.IsLive)
        {
            xml.Raw(" IsLive=\"TRUE\""u8);
            xml.Attribute("LookaheadCount"u8, manifest.LookaheadCount);
            xml.Attribute("DVRWindowLength"u8, manifest.DvrWindowLength);
        }

        xml.Raw(" CanSeek=\"TRUE\" CanPause=\"TRUE\">\n"u8);
        foreach (var stream in manifest.Streams)
        {
            WriteStream(xml, stream, manifest.TimeScale);
        }

        xml.Raw("</SmoothStreamingMedia>\n"u8);
    }

    private static void WriteStream(Utf8XmlOutput xml, StreamIndexModel stream, long manifestTimeScale)
    {
        xml.Raw("<StreamIndex"u8);
        xml.Attribute("Type"u8, stream.Kind switch
        {
            TrackKind.Video => "video",
            TrackKind.Audio => "audio",
            _ => "text",
        });
        xml.Attribute("Name"u8, stream.Name);
        if (stream.TimeScale is { } timeScale && timeScale != manifestTimeScale)
        {
            // MS-SSTR 2.2.2.3 StreamTimeScale: a stream whose times are not in the presentation's timescale (CMAF ingest).
            xml.Attribute("TimeScale"u8, timeScale);
        }

        xml.Attribute("Chunks"u8, stream.Timeline.Count);
        xml.Attribute("QualityLevels"u8, stream.QualityLevels.Length);
        xml.Attribute("Url"u8, (stream.Url ?? StreamIndexModel.DefaultUrl).Replace("{name}", stream.Name, StringComparison.Ordinal));
        if (stream.Kind == TrackKind.Video)
        {
            int maxWidth = 0, maxHeight = 0, displayWidth = 0, displayHeight = 0;
            foreach (var level in stream.QualityLevels)
            {
                maxWidth = Math.Max(maxWidth, level.Width);
                maxHeight = Math.Max(maxHeight, level.Height);
                displayWidth = Math.Max(displayWidth, level.DisplayWidth == 0 ? level.Width : level.DisplayWidth);
                displayHeight = Math.Max(displayHeight, level.DisplayHeight == 0 ? level.Height : level.DisplayHeight);
            }

            xml.Attribute("MaxWidth"u8, maxWidth);
            xml.Attribute("MaxHeight"u8, maxHeight);
            xml.Attribute("DisplayWidth"u8, displayWidth);
            xml.Attribute("DisplayHeight"u8, displayHeight);
        }

        if (stream.Language is { Length: > 0 } language)
        {
            xml.Attribute("Language"u8, language);
        }

        xml.Raw(">\n"u8);
        for (var i = 0; i < stream.QualityLevels.Length; i++)
        {
            WriteQualityLevel(xml, i, stream.QualityLevels[i]);
        }

        WriteTimeline(xml, stream.Timeline);
        xml.Raw("</StreamIndex>\n"u8);
    }

    private static void WriteQualityLevel(Utf8XmlOutput xml, int index, TrackInfo level)
    {
        xml.Raw("<QualityLevel"u8);
        xml.Attribute("Index"u8, index);
        xml.Attribute("Bitrate"u8, level.Bitrate);
        xml.Attribute("FourCC"u8, level.FourCC);
        if (level.Kind == TrackKind.Video)
        {
            xml.Attribute("MaxWidth"u8, level.Width);
            xml.Attribute("MaxHeight"u8, level.Height);
        }
        else if (level.Kind == TrackKind.Audio)
        {
            xml.Attribute("SamplingRate"u8, level.SamplingRate);
            xml.Attribute("Channels"u8, level.Channels);
            xml.Attribute("BitsPerSample"u8, level.BitsPerSample);
            xml.Attribute("PacketSize"u8, level.PacketSize);
            xml.Attribute("AudioTag"u8, level.AudioTag);
        }

        xml.Attribute("CodecPrivateData"u8, level.CodecPrivateData);
        xml.Raw("/>\n"u8);
    }

    private static void WriteTimeline(Utf8XmlOutput xml, IReadOnlyList<TimelineEntry> timeline)
    {
        if (timeline.Count == 0)
        {
            return;
        }

        var runStart = timeline[0];
        var explicitTime = true;
        var count = 1;
        var previous = runStart;
        for (var i = 1; i < timeline.Count; i++)
        {
            var entry = timeline[i];
            var contiguous = entry.Time == previous.End;
            if (contiguous && entry.Duration == runStart.Duration)
            {
                count++;
            }
            else
            {
                WriteChunk(xml, runStart, explicitTime, count);
                runStart = entry;
                explicitTime = !contiguous;
                count = 1;
            }

            previous = entry;
        }

        WriteChunk(xml, runStart, explicitTime, count);
    }

    private static void WriteChunk(Utf8XmlOutput xml, TimelineEntry first, bool explicitTime, int count)
    {
        xml.Raw("<c"u8);
        if (explicitTime)
        {
            xml.Attribute("t"u8, first.Time);
        }

        xml.Attribute("d"u8, first.Duration);
        if (count > 1)
        {
            xml.Attribute("r"u8, count);
        }

        xml.Raw("/>\n"u8);
    }
}
