using System.Text.RegularExpressions;
using Cluster.Gateway.Routing;

namespace Cluster.Gateway.Ingest;

/// <summary>
/// Names the track a CMAF ingest request belongs to. <c>Streams(id)</c> gives <c>id</c>. A pushed file name (ffmpeg's
/// DASH muxer, DASH-IF interface 2 style naming) loses an <c>init-</c> or <c>chunk-</c> prefix, its extension and a
/// trailing <c>-digits</c> segment number, so <c>init-stream0.m4s</c> and <c>chunk-stream0-00001.m4s</c> both name
/// <c>stream0</c>; a header and its segments must map to the same key.
/// </summary>
internal static partial class CmafTrackKey
{
    public static string FromUrl(MediaUrl url)
    {
        if (url.Kind != MediaUrlKind.IngestFile)
        {
            return url.StreamId;
        }

        var name = url.StreamId;
        var dot = name.LastIndexOf('.');
        if (dot > 0)
        {
            name = name[..dot];
        }

        if (name.StartsWith("init-", StringComparison.OrdinalIgnoreCase))
        {
            name = name["init-".Length..];
        }
        else if (name.StartsWith("chunk-", StringComparison.OrdinalIgnoreCase))
        {
            name = name["chunk-".Length..];
        }

        var stripped = SegmentNumber().Replace(name, "");
        return stripped.Length > 0 ? stripped : name;
    }

    [GeneratedRegex(@"-\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentNumber();
}
