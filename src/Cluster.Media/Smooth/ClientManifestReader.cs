using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using Cluster.Media.Codecs;
using Cluster.Media.Model;

namespace Cluster.Media.Smooth;

/// <summary>
/// Reads a Smooth Streaming client manifest (MS-SSTR 2.2.2) into the model <see cref="SmoothManifestWriter"/> writes, as
/// a server pulling from another Smooth origin (IIS Media Services, Unified Origin, this product) needs it: the
/// presentation attributes, each StreamIndex with its quality levels as <see cref="TrackInfo"/>, and each stream's
/// fragment timeline expanded from its <c>c</c> elements (start-time or duration coding, <c>r</c> repeats, an omitted
/// <c>t</c> meaning the previous fragment's end). The XML is untrusted: no DTD, no external resources, bounded size and
/// fragment count; anything malformed is a <see cref="MediaFormatException"/>.
/// </summary>
public static class ClientManifestReader
{
    /// <summary>Most fragments accepted over all streams of one manifest (after <c>r</c> repeats are expanded).</summary>
    public const int DefaultMaxFragments = 1_000_000;

    /// <summary>Most characters accepted in one manifest.</summary>
    private const long MaxCharacters = 64L * 1024 * 1024;

    private const long DefaultTimeScale = 10_000_000;

    /// <summary>Reads a manifest held in memory.</summary>
    /// <param name="xml">The manifest document (UTF-8 or UTF-16 with a byte order mark).</param>
    /// <param name="maxFragments">Most fragments accepted over all streams.</param>
    public static ClientManifest Read(byte[] xml, int maxFragments = DefaultMaxFragments)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var stream = new MemoryStream(xml, writable: false);
        return Read(stream, maxFragments);
    }

    /// <summary>Reads a manifest from <paramref name="xml"/> (not disposed).</summary>
    /// <param name="xml">The manifest document.</param>
    /// <param name="maxFragments">Most fragments accepted over all streams.</param>
    public static ClientManifest Read(Stream xml, int maxFragments = DefaultMaxFragments)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFragments, 1);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            MaxCharactersInDocument = MaxCharacters,
            CloseInput = false,
        };
        try
        {
            using var reader = XmlReader.Create(xml, settings);
            var budget = maxFragments;
            return ReadPresentation(reader, ref budget);
        }
        catch (XmlException e)
        {
            throw new MediaFormatException($"The client manifest is not well-formed XML: {e.Message}");
        }
    }

    private static ClientManifest ReadPresentation(XmlReader reader, ref int budget)
    {
        if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "SmoothStreamingMedia")
        {
            throw new MediaFormatException($"The document's root is <{reader.LocalName}>, not <SmoothStreamingMedia>.");
        }

        var major = Integer(reader, "MajorVersion");
        if (major is not (null or 1 or 2))
        {
            throw new MediaFormatException($"SmoothStreamingMedia MajorVersion is {major}; only versions 1 and 2 are known.");
        }

        var timeScale = Integer(reader, "TimeScale") ?? DefaultTimeScale;
        if (timeScale <= 0)
        {
            throw new MediaFormatException($"SmoothStreamingMedia TimeScale is {timeScale}; it must be positive.");
        }

        var isLive = Boolean(reader, "IsLive");
        var duration = Integer(reader, "Duration") ?? 0;
        var lookahead = Integer(reader, "LookaheadCount") ?? 0;
        var dvrWindow = Integer(reader, "DVRWindowLength") ?? 0;
        if (lookahead is < 0 or > int.MaxValue)
        {
            throw new MediaFormatException($"SmoothStreamingMedia LookaheadCount is {lookahead}.");
        }

        var streams = ImmutableArray.CreateBuilder<StreamIndexModel>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in Children(reader))
        {
            if (child.LocalName == "StreamIndex")
            {
                var stream = ReadStream(child, timeScale, ref budget);
                if (!names.Add(stream.Name))
                {
                    throw new MediaFormatException($"Two StreamIndex elements are named '{stream.Name}'.");
                }

                streams.Add(stream);
            }
            else
            {
                // Protection and vendor extensions.
                child.Skip();
            }
        }

        return new ClientManifest
        {
            IsLive = isLive,
            Duration = duration,
            TimeScale = timeScale,
            DvrWindowLength = dvrWindow,
            LookaheadCount = (int)lookahead,
            Streams = streams.ToImmutable(),
        };
    }

    private static StreamIndexModel ReadStream(XmlReader reader, long manifestTimeScale, ref int budget)
    {
        var type = reader.GetAttribute("Type");
        var kind = type?.ToLowerInvariant() switch
        {
            "video" => TrackKind.Video,
            "audio" => TrackKind.Audio,
            "text" => TrackKind.Text,
            _ => throw new MediaFormatException($"StreamIndex Type is '{type}'; expected video, audio or text."),
        };

        // MS-SSTR lets Name be omitted; the type then names the stream, as the URL pattern spells it out anyway.
        var name = reader.GetAttribute("Name") is { Length: > 0 } given ? given : type!.ToLowerInvariant();
        var streamTimeScale = Integer(reader, "TimeScale");
        if (streamTimeScale <= 0)
        {
            throw new MediaFormatException($"StreamIndex '{name}' TimeScale is {streamTimeScale}; it must be positive.");
        }

        var timeScale = streamTimeScale ?? manifestTimeScale;
        var url = reader.GetAttribute("Url");
        var language = reader.GetAttribute("Language") is { Length: > 0 } lang ? lang : null;
        var streamMaxWidth = Int32(reader, "MaxWidth") ?? 0;
        var streamMaxHeight = Int32(reader, "MaxHeight") ?? 0;
        var displayWidth = Int32(reader, "DisplayWidth") ?? 0;
        var displayHeight = Int32(reader, "DisplayHeight") ?? 0;

        var levels = new List<TrackInfo>();
        var chunks = new List<Chunk>();
        foreach (var child in Children(reader))
        {
            switch (child.LocalName)
            {
                case "QualityLevel":
                    levels.Add(ReadQualityLevel(child, kind, name, timeScale, language, streamMaxWidth, streamMaxHeight, displayWidth, displayHeight));
                    child.Skip();
                    break;
                case "c":
                    chunks.Add(new Chunk(Integer(child, "t"), Integer(child, "d"), Integer(child, "r")));
                    child.Skip();
                    break;
                default:
                    child.Skip();
                    break;
            }
        }

        if (levels.Count == 0)
        {
            throw new MediaFormatException($"StreamIndex '{name}' has no QualityLevel.");
        }

        if (levels.DistinctBy(l => l.Bitrate).Count() != levels.Count)
        {
            throw new MediaFormatException($"StreamIndex '{name}' has two quality levels with the same Bitrate; fragment URLs could not tell them apart.");
        }

        return new StreamIndexModel
        {
            Kind = kind,
            Name = name,
            QualityLevels = [.. levels],
            Timeline = Expand(chunks, name, ref budget),
            TimeScale = streamTimeScale,
            Language = language,
            Url = url,
        };
    }

    private static TrackInfo ReadQualityLevel(
        XmlReader reader,
        TrackKind kind,
        string name,
        long timeScale,
        string? language,
        int streamMaxWidth,
        int streamMaxHeight,
        int displayWidth,
        int displayHeight)
    {
        var bitrate = Int32(reader, "Bitrate") ?? throw new MediaFormatException($"A QualityLevel of StreamIndex '{name}' has no Bitrate.");
        if (bitrate <= 0)
        {
            throw new MediaFormatException($"A QualityLevel of StreamIndex '{name}' has Bitrate {bitrate}.");
        }

        var codecPrivateData = reader.GetAttribute("CodecPrivateData") ?? "";
        if (codecPrivateData.Length > 0)
        {
            // Checked here so a garbled value fails the manifest rather than a packager later.
            CodecPrivateData.ParseHex(codecPrivateData);
        }

        // Version 1 manifests name the size Width and Height.
        var width = Int32(reader, "MaxWidth") ?? Int32(reader, "Width") ?? streamMaxWidth;
        var height = Int32(reader, "MaxHeight") ?? Int32(reader, "Height") ?? streamMaxHeight;
        var fourCC = reader.GetAttribute("FourCC") ?? "";
        var audioTag = Int32(reader, "AudioTag") ?? 0;
        if (fourCC.Length == 0 && kind == TrackKind.Audio && audioTag == 255)
        {
            // WAVE_FORMAT_RAW_AAC1: AAC-LC is what Smooth encoders send under it.
            fourCC = "AACL";
        }

        return new TrackInfo
        {
            Kind = kind,
            Name = name,
            Bitrate = bitrate,
            Timescale = timeScale,
            FourCC = fourCC,
            CodecPrivateData = codecPrivateData,
            Width = kind == TrackKind.Video ? width : 0,
            Height = kind == TrackKind.Video ? height : 0,

            // The stream's display size applies to all its levels; a level shown at its own size needs no display size.
            DisplayWidth = kind == TrackKind.Video && displayWidth != width ? displayWidth : 0,
            DisplayHeight = kind == TrackKind.Video && displayHeight != height ? displayHeight : 0,
            SamplingRate = Int32(reader, "SamplingRate") ?? 0,
            Channels = Int32(reader, "Channels") ?? 0,
            BitsPerSample = Int32(reader, "BitsPerSample") ?? 0,
            PacketSize = Int32(reader, "PacketSize") ?? 0,
            AudioTag = audioTag,
            Language = language,
        };
    }

    /// <summary>
    /// Expands <c>c</c> elements into one entry per fragment (MS-SSTR 2.2.2.6): an omitted <c>t</c> is the previous
    /// fragment's end (0 for the first), an omitted <c>d</c> reaches the next element's <c>t</c>, and <c>r</c> (one-based)
    /// repeats the element as that many contiguous fragments of its duration.
    /// </summary>
    private static ImmutableArray<TimelineEntry> Expand(List<Chunk> chunks, string name, ref int budget)
    {
        var entries = ImmutableArray.CreateBuilder<TimelineEntry>(Math.Min(chunks.Count, budget));
        long end = 0;
        long? previousTime = null;
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            var time = chunk.Time ?? end;
            if (chunk.Duration is null && chunk.Time is null)
            {
                throw new MediaFormatException($"A c element of StreamIndex '{name}' has neither t nor d.");
            }

            long duration;
            if (chunk.Duration is { } explicitDuration)
            {
                duration = explicitDuration;
            }
            else if (i + 1 < chunks.Count && chunks[i + 1].Time is { } nextTime)
            {
                duration = nextTime - time;
            }
            else
            {
                throw new MediaFormatException($"The c element at t={time} of StreamIndex '{name}' has no d, and no following t gives it one.");
            }

            var repeat = chunk.Repeat ?? 1;
            if (repeat < 1)
            {
                throw new MediaFormatException($"The c element at t={time} of StreamIndex '{name}' has r={repeat}; it counts fragments from 1.");
            }

            if (duration <= 0)
            {
                throw new MediaFormatException($"The c element at t={time} of StreamIndex '{name}' lasts {duration}: its times do not increase.");
            }

            if (repeat > budget)
            {
                throw new MediaFormatException($"StreamIndex '{name}' lists more fragments than the limit allows.");
            }

            budget -= (int)repeat;
            for (long k = 0; k < repeat; k++)
            {
                long start;
                try
                {
                    start = checked(time + (k * duration));
                    end = checked(start + duration);
                }
                catch (OverflowException)
                {
                    throw new MediaFormatException($"StreamIndex '{name}' lists fragments past the largest time there is.");
                }

                if (previousTime is { } previous && start <= previous)
                {
                    throw new MediaFormatException($"StreamIndex '{name}' lists a fragment at {start} after one at {previous}: its timeline goes backwards.");
                }

                entries.Add(new TimelineEntry(start, duration));
                previousTime = start;
            }
        }

        return entries.ToImmutable();
    }

    /// <summary>
    /// The child elements of the element <paramref name="reader"/> is on, which the caller must each move past (read
    /// whole or skip) before asking for the next; other nodes are skipped. Ends past the element's end tag.
    /// </summary>
    private static IEnumerable<XmlReader> Children(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            yield break;
        }

        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement && !reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                yield return reader;
            }
            else
            {
                reader.Skip();
            }
        }

        reader.Read();
    }

    private static long? Integer(XmlReader reader, string attribute)
    {
        var text = reader.GetAttribute(attribute);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new MediaFormatException($"Attribute {attribute} of <{reader.LocalName}> is '{Shorten(text)}', not an integer.");
    }

    private static int? Int32(XmlReader reader, string attribute)
    {
        var value = Integer(reader, attribute);
        return value is null ? null
            : value is < 0 or > int.MaxValue ? throw new MediaFormatException($"Attribute {attribute} of <{reader.LocalName}> is {value}, out of range.")
            : (int)value.Value;
    }

    private static bool Boolean(XmlReader reader, string attribute) =>
        reader.GetAttribute(attribute)?.Trim().ToUpperInvariant() switch
        {
            null or "FALSE" => false,
            "TRUE" => true,
            var other => throw new MediaFormatException($"Attribute {attribute} of <{reader.LocalName}> is '{Shorten(other)}', not TRUE or FALSE."),
        };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private readonly record struct Chunk(long? Time, long? Duration, long? Repeat);
}
