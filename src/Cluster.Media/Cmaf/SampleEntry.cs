using System.Text;
using Cluster.Media.Boxes;
using Cluster.Media.Codecs;
using Cluster.Media.Model;

namespace Cluster.Media.Cmaf;

/// <summary>
/// The one sample entry of a track's stsd (avc1, hvc1, mp4a, or stpp for TTML text), resolved from a track before
/// anything is written.
/// </summary>
internal sealed class SampleEntry
{
    private const string TtmlNamespace = "http://www.w3.org/ns/ttml";

    /// <summary>XMLSubtitleSampleEntry (14496-12 12.6.3), how ISO-BMFF carries TTML.</summary>

    private readonly uint _type;
    private readonly byte[] _config;
    private readonly TrackInfo _track;

    private SampleEntry(uint type, byte[] config, TrackInfo track, int width, int height, int samplingRate, int channels)
    {
        _type = type;
        _config = config;
        _track = track;
        Width = width;
        Height = height;
        SamplingRate = samplingRate;
        Channels = channels;
    }

    public int Width { get; }

    public int Height { get; }

    public int SamplingRate { get; }

    public int Channels { get; }

    /// <summary>The box type: avc1, hvc1, mp4a or stpp.</summary>
    public uint Type => _type;

    /// <summary>The decoder configuration the entry carries (avcC or hvcC payload, AudioSpecificConfig); empty for text.</summary>
    public ReadOnlySpan<byte> Config => _config;

    public static SampleEntry ForTrack(TrackInfo track)
    {
        if (track.Kind == TrackKind.Text)
        {
            return track.FourCC.ToUpperInvariant() is "TTML" or "STPP" or "DFXP"
                ? new SampleEntry(FourCC.Stpp, [], track, 0, 0, 0, 0)
                : throw new MediaFormatException($"Text track '{track.Name}' has FourCC {track.FourCC}; only TTML text has a sample entry here.");
        }

        switch (track.FourCC.ToUpperInvariant())
        {
            case "H264":
            case "AVC1":
            case "AVC3":
            case "DAVC":
            {
                var avcC = AvcConfiguration.ForTrack(track);
                var (width, height) = track.Width > 0 && track.Height > 0 ? (track.Width, track.Height) : AvcConfiguration.Dimensions(avcC);
                return new SampleEntry(FourCC.Avc1, avcC, track, width, height, 0, 0);
            }

            case "HEVC":
            case "HVC1":
            case "HEV1":
            {
                var hvcC = HevcConfiguration.ForTrack(track);
                if (track.Width <= 0 || track.Height <= 0)
                {
                    throw new MediaFormatException($"HEVC track '{track.Name}' needs its width and height.");
                }

                return new SampleEntry(FourCC.Hvc1, hvcC, track, track.Width, track.Height, 0, 0);
            }

            case "AACL":
            case "AACH":
            case "AACP":
            case "MP4A":
            {
                var asc = AudioSpecificConfig.BytesForTrack(track);
                var parsed = AudioSpecificConfig.Parse(asc);
                var rate = track.SamplingRate > 0 ? track.SamplingRate : parsed.OutputSamplingRate;
                var channels = track.Channels > 0 ? track.Channels : Math.Max(parsed.ChannelConfiguration, 1);
                return new SampleEntry(FourCC.Mp4a, asc, track, 0, 0, rate, channels);
            }

            default:
                throw new MediaFormatException($"Track '{track.Name}' has FourCC {track.FourCC}, which has no CMAF sample entry here.");
        }
    }

    public void Write(BoxWriter writer)
    {
        var entry = writer.StartBox(_type);
        writer.WriteZeros(6); // reserved
        writer.WriteUInt16(1); // data_reference_index
        if (_type == FourCC.Mp4a)
        {
            WriteAudio(writer);
        }
        else if (_type == FourCC.Stpp)
        {
            // namespace, schema_location and auxiliary_mime_types: null-terminated UTF-8 strings, the last two empty.
            writer.WriteBytes(Encoding.UTF8.GetBytes(TtmlNamespace));
            writer.WriteZeros(3);
        }
        else
        {
            WriteVisual(writer);
        }

        writer.EndBox(entry);
    }

    private void WriteVisual(BoxWriter writer)
    {
        // VisualSampleEntry (14496-12 12.1.3).
        writer.WriteZeros(16); // pre_defined, reserved, pre_defined[3]
        writer.WriteUInt16((ushort)Width);
        writer.WriteUInt16((ushort)Height);
        writer.WriteUInt32(0x00480000); // 72 dpi
        writer.WriteUInt32(0x00480000);
        writer.WriteUInt32(0); // reserved
        writer.WriteUInt16(1); // frame_count
        writer.WriteZeros(32); // compressorname
        writer.WriteUInt16(0x0018); // depth: colour, no alpha
        writer.WriteUInt16(0xFFFF); // pre_defined = -1
        var config = writer.StartBox(_type == FourCC.Avc1 ? FourCC.AvcC : FourCC.HvcC);
        writer.WriteBytes(_config);
        writer.EndBox(config);
    }

    private void WriteAudio(BoxWriter writer)
    {
        // AudioSampleEntry (14496-12 12.2.3) and MP4AudioSampleEntry (14496-14 5.6).
        writer.WriteZeros(8); // reserved
        writer.WriteUInt16((ushort)Channels);
        writer.WriteUInt16(16); // samplesize
        writer.WriteUInt32(0); // pre_defined + reserved

        // 16.16 fixed point; rates above 65535 Hz do not fit and are left to the AudioSpecificConfig.
        writer.WriteUInt32(SamplingRate <= ushort.MaxValue ? (uint)SamplingRate << 16 : 0);
        var esds = writer.StartFullBox(FourCC.Esds, 0, 0);
        var decoderSpecificLength = 2 + _config.Length;
        var decoderConfigLength = 13 + decoderSpecificLength;
        var esLength = 3 + 2 + decoderConfigLength + 3;

        WriteDescriptorHeader(writer, 0x03, esLength); // ES_Descriptor
        writer.WriteUInt16(0); // ES_ID: 0 in files, 14496-14 3.1.2
        writer.WriteByte(0); // no stream dependence, URL or OCR stream
        WriteDescriptorHeader(writer, 0x04, decoderConfigLength); // DecoderConfigDescriptor
        writer.WriteByte(0x40); // objectTypeIndication: Audio ISO/IEC 14496-3
        writer.WriteByte((0x05 << 2) | 1); // streamType audio, upStream 0, reserved 1
        writer.WriteUInt24(0); // bufferSizeDB unknown
        var bitrate = (uint)Math.Max(_track.Bitrate, 0);
        writer.WriteUInt32(bitrate); // maxBitrate
        writer.WriteUInt32(bitrate); // avgBitrate
        WriteDescriptorHeader(writer, 0x05, _config.Length); // DecoderSpecificInfo = AudioSpecificConfig
        writer.WriteBytes(_config);
        WriteDescriptorHeader(writer, 0x06, 1); // SLConfigDescriptor
        writer.WriteByte(2); // predefined: reserved for MP4 files
        writer.EndBox(esds);
    }

    /// <summary>Tag and a one-byte size; longer payloads do not occur (an ASC is a few bytes).</summary>
    private static void WriteDescriptorHeader(BoxWriter writer, byte tag, int length)
    {
        if (length > 127)
        {
            throw new MediaFormatException("The AudioSpecificConfig is too long for an esds.");
        }

        writer.WriteByte(tag);
        writer.WriteByte((byte)length);
    }
}
