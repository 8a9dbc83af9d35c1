using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using Cluster.Media.Model;
using Cluster.Media.Smooth;

namespace Cluster.Grains.Archive;

/// <summary>
/// The files that describe a session folder: <c>archive.json</c>, and once the session is over the VOD manifests IIS
/// keeps next to its .ismv files: the SMIL server manifest (<c>.ism</c>) and the Smooth client manifest (<c>.ismc</c>).
/// Every file is written to a temporary name and moved over the old one, so a reader never sees half of it.
/// </summary>
internal static class ArchiveManifests
{
    private const long SmoothTimescale = 10_000_000;
    private const string Smil = "http://www.w3.org/2001/SMIL20/Language";

    public static void WriteIndex(string folder, ArchiveIndex index) =>
        WriteAtomically(Path.Combine(folder, ArchiveIndex.FileName), JsonSerializer.SerializeToUtf8Bytes(index, ArchiveIndex.JsonOptions));

    /// <summary>The index's entry for a track.</summary>
    public static ArchiveIndexTrack IndexTrack(TrackArchive track) => new()
    {
        Name = track.Info.Name,
        Kind = track.Info.Kind,
        Bitrate = track.Info.Bitrate,
        FourCC = track.Info.FourCC,
        Timescale = track.Info.Timescale,
        FragmentCount = track.FragmentCount,
        Duration = track.Duration,
        DurationSeconds = Math.Round((double)track.Duration / track.Info.Timescale, 6),
        Files = track.Files,
    };

    /// <summary>
    /// Writes <c>{baseName}.ism</c>, the SMIL server manifest listing every track's files (as IIS writes for VOD: a
    /// switch of video/audio/textstream elements with trackID and trackName params). With several files per track
    /// (rollover), a seq holds one switch per segment: the n-th file of every track.
    /// </summary>
    public static void WriteServerManifest(string folder, string baseName, IReadOnlyList<TrackArchive> tracks)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "  " };
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("smil", Smil);
            xml.WriteStartElement("head", Smil);
            WriteMeta(xml, "clientManifestRelativePath", baseName + ".ismc");
            xml.WriteEndElement();
            xml.WriteStartElement("body", Smil);
            var segments = tracks.Count == 0 ? 1 : tracks.Max(t => t.Files.Length);
            if (segments > 1)
            {
                xml.WriteStartElement("seq", Smil);
            }

            for (var segment = 0; segment < segments; segment++)
            {
                xml.WriteStartElement("switch", Smil);
                foreach (var track in tracks)
                {
                    if (segment >= track.Files.Length)
                    {
                        continue;
                    }

                    xml.WriteStartElement(track.Info.Kind switch
                    {
                        TrackKind.Video => "video",
                        TrackKind.Audio => "audio",
                        _ => "textstream",
                    }, Smil);
                    xml.WriteAttributeString("src", track.Files[segment].Name);
                    xml.WriteAttributeString("systemBitrate", track.Info.Bitrate.ToString(CultureInfo.InvariantCulture));
                    WriteParam(xml, "trackID", "1");
                    WriteParam(xml, "trackName", track.Info.Name);
                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
            }

            if (segments > 1)
            {
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        WriteAtomically(Path.Combine(folder, baseName + ".ism"), buffer.ToArray());

        static void WriteMeta(XmlWriter xml, string name, string content)
        {
            xml.WriteStartElement("meta", Smil);
            xml.WriteAttributeString("name", name);
            xml.WriteAttributeString("content", content);
            xml.WriteEndElement();
        }

        static void WriteParam(XmlWriter xml, string name, string value)
        {
            xml.WriteStartElement("param", Smil);
            xml.WriteAttributeString("name", name);
            xml.WriteAttributeString("value", value);
            xml.WriteAttributeString("valuetype", "data");
            xml.WriteEndElement();
        }
    }

    /// <summary>Writes <c>{baseName}.ismc</c>, the on-demand Smooth client manifest (IsLive false, the whole duration).</summary>
    public static void WriteClientManifest(string folder, string baseName, IReadOnlyList<TrackArchive> tracks)
    {
        var output = new ArrayBufferWriter<byte>(4096);
        SmoothManifestWriter.Write(BuildClientManifest(tracks), output);
        WriteAtomically(Path.Combine(folder, baseName + ".ismc"), output.WrittenSpan);
    }

    /// <summary>
    /// One StreamIndex per kind and name, its quality levels highest bitrate first, listing the fragments every level
    /// holds (a player may switch level at any fragment listed).
    /// </summary>
    public static ClientManifest BuildClientManifest(IReadOnlyList<TrackArchive> tracks)
    {
        var streams = ImmutableArray.CreateBuilder<StreamIndexModel>();
        double start = double.MaxValue, end = double.MinValue;
        foreach (var group in tracks
            .Where(t => !t.Timeline.IsEmpty)
            .GroupBy(t => (t.Info.Kind, t.Info.Name))
            .OrderBy(g => g.Key.Kind)
            .ThenBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var levels = group.OrderByDescending(t => t.Info.Bitrate).ToArray();
            var timeline = CommonEntries(levels);
            if (timeline.Count == 0)
            {
                continue;
            }

            var first = levels[0].Info;
            start = Math.Min(start, (double)timeline[0].Time / first.Timescale);
            end = Math.Max(end, (double)timeline[^1].End / first.Timescale);
            streams.Add(new StreamIndexModel
            {
                Kind = first.Kind,
                Name = first.Name,
                QualityLevels = [.. levels.Select(l => l.Info)],
                Timeline = timeline,
                Language = first.Language,
                TimeScale = first.Timescale == SmoothTimescale ? null : first.Timescale,
            });
        }

        return new ClientManifest
        {
            IsLive = false,
            Duration = streams.Count == 0 ? 0 : (long)Math.Round((end - start) * SmoothTimescale),
            TimeScale = SmoothTimescale,
            Streams = streams.ToImmutable(),
        };
    }

    /// <summary>The fragment times the first (highest) level holds that every other level holds too.</summary>
    private static List<TimelineEntry> CommonEntries(TrackArchive[] levels)
    {
        var others = levels.Skip(1).Select(l => l.Timeline.Select(e => e.Time).ToHashSet()).ToArray();
        return [.. levels[0].Timeline.Where(e => Array.TrueForAll(others, times => times.Contains(e.Time)))];
    }

    private static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
