using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Cluster.Integration.Tests.Infrastructure;

/// <summary>Reads HLS playlists (RFC 8216) and DASH MPDs (ISO/IEC 23009-1) the way a player does, independently of the origin's writers.</summary>
public static partial class Playlists
{
    /// <summary>The URIs of a multivariant playlist's variants (EXT-X-STREAM-INF) and renditions (EXT-X-MEDIA URI).</summary>
    public static (List<(string Attributes, string Uri)> Variants, List<string> Renditions) Multivariant(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("#EXTM3U");
        var variants = new List<(string, string)>();
        var renditions = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal))
            {
                variants.Add((lines[i], lines[i + 1]));
            }
            else if (lines[i].StartsWith("#EXT-X-MEDIA:", StringComparison.Ordinal) && UriAttribute().Match(lines[i]) is { Success: true } m)
            {
                renditions.Add(m.Groups[1].Value);
            }
        }

        return (variants, renditions);
    }

    /// <summary>A media playlist's segments: URI and EXTINF duration in seconds, plus its tags.</summary>
    public sealed record MediaPlaylist(string? Map, long MediaSequence, double TargetDuration, bool Ended, List<(string Uri, double Duration)> Segments);

    public static MediaPlaylist Media(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("#EXTM3U");
        string? map = null;
        long sequence = 0;
        double target = 0;
        var segments = new List<(string, double)>();
        double? pending = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("#EXT-X-MAP:", StringComparison.Ordinal))
            {
                map = UriAttribute().Match(line).Groups[1].Value;
            }
            else if (line.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))
            {
                sequence = long.Parse(line[22..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-TARGETDURATION:", StringComparison.Ordinal))
            {
                target = double.Parse(line[22..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                pending = double.Parse(line[8..].Split(',')[0], CultureInfo.InvariantCulture);
            }
            else if (!line.StartsWith('#') && pending is { } duration)
            {
                segments.Add((line, duration));
                pending = null;
            }
        }

        return new MediaPlaylist(map, sequence, target, lines.Contains("#EXT-X-ENDLIST"), segments);
    }

    /// <summary>An MPD adaptation set's expanded SegmentTimeline (t, d; r = additional repeats) and templates.</summary>
    public sealed record DashSet(string ContentType, long Timescale, string Media, string Initialization, List<string> Bandwidths, List<(long Time, long Duration)> Segments);

    public static (XElement Mpd, List<DashSet> Sets) Mpd(string xml)
    {
        XNamespace ns = "urn:mpeg:dash:schema:mpd:2011";
        var mpd = XDocument.Parse(xml).Root!;
        mpd.Name.ShouldBe(ns + "MPD");
        var sets = new List<DashSet>();
        foreach (var set in mpd.Descendants(ns + "AdaptationSet"))
        {
            var template = set.Element(ns + "SegmentTemplate")!;
            var segments = new List<(long, long)>();
            long next = 0;
            foreach (var s in template.Element(ns + "SegmentTimeline")!.Elements(ns + "S"))
            {
                var t = s.Attribute("t") is { } ta ? long.Parse(ta.Value, CultureInfo.InvariantCulture) : next;
                var d = long.Parse(s.Attribute("d")!.Value, CultureInfo.InvariantCulture);
                var r = s.Attribute("r") is { } ra ? int.Parse(ra.Value, CultureInfo.InvariantCulture) : 0;
                for (var i = 0; i <= r; i++)
                {
                    segments.Add((t, d));
                    t += d;
                }

                next = t;
            }

            sets.Add(new DashSet(
                (string?)set.Attribute("contentType") ?? ((string)set.Attribute("mimeType")!).Split('/')[0],
                long.Parse((string)template.Attribute("timescale")!, CultureInfo.InvariantCulture),
                (string)template.Attribute("media")!,
                (string)template.Attribute("initialization")!,
                [.. set.Elements(ns + "Representation").Select(r => (string)r.Attribute("bandwidth")!)],
                segments));
        }

        return (mpd, sets);
    }

    [GeneratedRegex("URI=\"([^\"]+)\"")]
    private static partial Regex UriAttribute();
}
