using Cluster.Media.Boxes;
using Cluster.Media.Cmaf;
using Cluster.Media.Codecs;
using Cluster.Media.Model;
using Cluster.Media.Text;

namespace Cluster.Media.Smooth;

/// <summary>
/// Writes the live server manifest box an encoder sends before its moov (MS-SSTR live ingest): a version 0 full
/// <c>uuid</c> box (a5d40b30-e814-11dd-ba2f-0800200c9a66) holding UTF-8 SMIL with one <c>video</c>, <c>audio</c> or
/// <c>textstream</c> element per track and its <c>param</c> children, laid out as ffmpeg's ismv muxer and IIS write
/// them, so <see cref="LiveServerManifestReader"/> (and IIS, Azure Media Services, Unified Origin) read names and
/// bitrates back.
/// </summary>
public static class LiveServerManifestWriter
{
    private static readonly byte[] BoxType = SmoothUuids.ToBoxBytes(SmoothUuids.LiveServerManifest);

    /// <summary>Writes the whole box for <paramref name="tracks"/>; trackID params are the list positions plus one.</summary>
    public static byte[] WriteBox(IReadOnlyList<TrackInfo> tracks)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var resolved = new MovieTrack[tracks.Count];
        for (var i = 0; i < resolved.Length; i++)
        {
            resolved[i] = MovieTrack.Resolve(tracks[i], (uint)(i + 1));
        }

        var writer = new BoxWriter(1024 + (512 * resolved.Length));
        Write(writer, resolved);
        return writer.ToArray();
    }

    /// <summary>Writes the box for tracks already resolved (the values the moov's sample entries carry).</summary>
    internal static void Write(BoxWriter writer, ReadOnlySpan<MovieTrack> tracks)
    {
        var box = writer.StartUuidBox(BoxType);
        writer.WriteUInt32(0); // version 0, flags 0
        var xml = new Utf8XmlOutput(writer);
        xml.Raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<smil xmlns=\"http://www.w3.org/2001/SMIL20/Language\">\n<head>\n<meta name=\"creator\" content=\"Cluster.Media\" />\n</head>\n<body>\n<switch>\n"u8);
        foreach (var track in tracks)
        {
            WriteTrack(xml, track);
        }

        xml.Raw("</switch>\n</body>\n</smil>\n"u8);
        writer.EndBox(box);
    }

    private static void WriteTrack(Utf8XmlOutput xml, MovieTrack track)
    {
        var info = track.Info;
        var entry = track.Entry;
        var element = info.Kind switch
        {
            TrackKind.Video => "video"u8,
            TrackKind.Audio => "audio"u8,
            _ => "textstream"u8,
        };
        xml.Raw("<"u8);
        xml.Raw(element);
        var bitrate = Math.Max(info.Bitrate, 0);
        xml.Attribute("systemBitrate"u8, bitrate);
        xml.Raw(">\n"u8);
        Param(xml, "systemBitrate", bitrate);
        Param(xml, "trackID", track.TrackId);
        Param(xml, "systemLanguage", string.IsNullOrEmpty(info.Language) ? "und" : info.Language);
        Param(xml, "trackName", info.Name);
        var codecPrivateData = CodecPrivateDataOf(info, entry);
        switch (info.Kind)
        {
            case TrackKind.Video:
                {
                    Param(xml, "CodecPrivateData", codecPrivateData);
                    Param(xml, "FourCC", info.FourCC);
                    Param(xml, "MaxWidth", entry.Width);
                    Param(xml, "MaxHeight", entry.Height);
                    Param(xml, "DisplayWidth", info.DisplayWidth > 0 ? info.DisplayWidth : entry.Width);
                    Param(xml, "DisplayHeight", info.DisplayHeight > 0 ? info.DisplayHeight : entry.Height);
                    break;
                }

            case TrackKind.Audio:
                {
                    var bitsPerSample = info.BitsPerSample > 0 ? info.BitsPerSample : 16;
                    Param(xml, "FourCC", info.FourCC);
                    Param(xml, "CodecPrivateData", codecPrivateData);
                    Param(xml, "AudioTag", info.AudioTag > 0 ? info.AudioTag : 255); // 255: AAC, the tag Smooth uses for it
                    Param(xml, "Channels", entry.Channels);
                    Param(xml, "SamplingRate", entry.SamplingRate);
                    Param(xml, "BitsPerSample", bitsPerSample);
                    Param(xml, "PacketSize", info.PacketSize > 0 ? info.PacketSize : entry.Channels * bitsPerSample / 8);
                    break;
                }

            default:
                Param(xml, "FourCC", info.FourCC);
                if (codecPrivateData.Length > 0)
                {
                    Param(xml, "CodecPrivateData", codecPrivateData);
                }

                break;
        }

        Param(xml, "timescale", track.Timescale);
        xml.Raw("</"u8);
        xml.Raw(element);
        xml.Raw(">\n"u8);
    }

    /// <summary>The track's own CodecPrivateData, else the Smooth form of the configuration its sample entry carries.</summary>
    private static string CodecPrivateDataOf(TrackInfo info, SampleEntry entry)
    {
        if (info.CodecPrivateData.Length > 0)
        {
            return info.CodecPrivateData.ToUpperInvariant();
        }

        return entry.Type switch
        {
            FourCC.Avc1 => CodecPrivateData.FromAvcDecoderConfiguration(entry.Config),
            FourCC.Hvc1 => CodecPrivateData.FromHevcDecoderConfiguration(entry.Config),
            FourCC.Mp4a => CodecPrivateData.FromAudioSpecificConfig(entry.Config),
            _ => "",
        };
    }

    private static void Param(Utf8XmlOutput xml, string name, string value)
    {
        xml.Raw("<param"u8);
        xml.Attribute("name"u8, name);
        xml.Attribute("value"u8, value);
        xml.Raw(" valuetype=\"data\"/>\n"u8);
    }

    private static void Param(Utf8XmlOutput xml, string name, long value)
    {
        xml.Raw("<param"u8);
        xml.Attribute("name"u8, name);
        xml.Attribute("value"u8, value);
        xml.Raw(" valuetype=\"data\"/>\n"u8);
    }
}
