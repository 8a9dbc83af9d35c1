using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using Cluster.Media.Boxes;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Reads the SMIL an encoder sends in the live server manifest uuid box: one <c>video</c>/<c>audio</c>/<c>textstream</c>
/// element per track with <c>param</c> children (trackID, trackName, CodecPrivateData, FourCC, sizes, audio fields).
/// </summary>
public static class LiveServerManifestReader
{
    /// <summary>Parses a whole live server manifest uuid box (header included).</summary>
    /// <param name="box">The box bytes.</param>
    /// <param name="offset">Stream offset of the box, for messages.</param>
    /// <param name="maxTracks">Most tracks accepted.</param>
    public static ImmutableArray<TrackInfo> Read(ReadOnlySpan<byte> box, long offset, int maxTracks = int.MaxValue)
    {
        var header = FileTypeBox.ReadHeader(box, offset);
        if (header.Type != FourCC.Uuid || header.ExtendedType != SmoothUuids.LiveServerManifest)
        {
            throw new MediaFormatException($"Expected the live server manifest box at offset {offset}, found '{header.Name}'.");
        }

        var reader = new BigEndianReader(box[header.HeaderSize..], FourCC.Uuid, offset);
        reader.ReadFullBoxHeader();
        return ReadSmil(reader.Rest.ToArray(), offset, maxTracks);
    }

    /// <summary>Parses SMIL text bytes (UTF-8 or with a BOM).</summary>
    /// <param name="smil">The document.</param>
    /// <param name="offset">Stream offset of the enclosing box, for messages.</param>
    /// <param name="maxTracks">Most tracks accepted.</param>
    public static ImmutableArray<TrackInfo> ReadSmil(byte[] smil, long offset, int maxTracks = int.MaxValue)
    {
        var settings = new XmlReaderSettings
        {
            // An encoder has no business sending a DTD; prohibiting it rules out entity expansion attacks.
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = smil.Length,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            IgnoreProcessingInstructions = true,
        };
        var tracks = ImmutableArray.CreateBuilder<TrackInfo>();
        try
        {
            using var stream = new MemoryStream(smil, writable: false);
            using var xml = XmlReader.Create(stream, settings);
            TrackBuilder? current = null;
            while (xml.Read())
            {
                if (xml.NodeType == XmlNodeType.Element)
                {
                    var kind = xml.LocalName switch
                    {
                        "video" => TrackKind.Video,
                        "audio" => TrackKind.Audio,
                        "textstream" => (TrackKind?)TrackKind.Text,
                        _ => null,
                    };
                    if (kind is not null)
                    {
                        if (tracks.Count >= maxTracks)
                        {
                            throw new MediaFormatException($"Live server manifest at offset {offset} lists more than {maxTracks} tracks.");
                        }

                        current = new TrackBuilder(kind.Value, offset);
                        current.Set("systemBitrate", xml.GetAttribute("systemBitrate"));
                        if (xml.IsEmptyElement)
                        {
                            tracks.Add(current.Build(tracks.Count));
                            current = null;
                        }
                    }
                    else if (xml.LocalName == "param" && current is not null)
                    {
                        current.Set(xml.GetAttribute("name"), xml.GetAttribute("value"));
                    }
                }
                else if (xml.NodeType == XmlNodeType.EndElement && current is not null && xml.LocalName is "video" or "audio" or "textstream")
                {
                    tracks.Add(current.Build(tracks.Count));
                    current = null;
                }
            }
        }
        catch (XmlException e)
        {
            throw new MediaFormatException($"Live server manifest at offset {offset} is not acceptable XML: {e.Message}");
        }

        return tracks.ToImmutable();
    }

    private sealed class TrackBuilder(TrackKind kind, long offset)
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

        public void Set(string? name, string? value)
        {
            if (name is not null && value is not null)
            {
                _values[name] = value;
            }
        }

        public TrackInfo Build(int index)
        {
            var language = Text("systemLanguage");
            return new TrackInfo
            {
                Kind = kind,
                Name = Text("trackName") ?? kind.ToString().ToLowerInvariant(),
                Bitrate = Number("systemBitrate", index),
                TrackId = (uint)Number("trackID", index),
                FourCC = Text("FourCC") ?? "",
                CodecPrivateData = Text("CodecPrivateData")?.ToUpperInvariant() ?? "",
                Width = Number("MaxWidth", index),
                Height = Number("MaxHeight", index),
                DisplayWidth = Number("DisplayWidth", index),
                DisplayHeight = Number("DisplayHeight", index),
                SamplingRate = Number("SamplingRate", index),
                Channels = Number("Channels", index),
                BitsPerSample = Number("BitsPerSample", index),
                PacketSize = Number("PacketSize", index),
                AudioTag = Number("AudioTag", index),
                Language = language is null or "und" ? null : language,
            };
        }

        private string? Text(string name) => _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

        private int Number(string name, int index)
        {
            if (Text(name) is not { } text)
            {
                return 0;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw new MediaFormatException($"Live server manifest at offset {offset}: track {index} has {name}=\"{text}\", not a non-negative number.");
            }

            return value;
        }
    }
}
