using Cluster.Integration.Tests.Infrastructure;
using Cluster.Integration.Tests.ProcessCluster;

namespace Cluster.Integration.Tests.Restream;

/// <summary>What the restreaming tests push and how they read a node's Smooth manifest.</summary>
internal static class RestreamMedia
{
    /// <summary>A 150 s ffmpeg Smooth push (320x180 H.264 in 2 s GOPs, AAC), replayed in real time to each point.</summary>
    public static Task<CapturedSmoothStream> CaptureAsync() =>
        CapturedSmoothStream.CaptureAsync(
            "restream-150s",
            $"{Ffmpeg.TestPattern(realTime: false, seconds: 150)} -map 0:v -map 1:a {Ffmpeg.H264(300)} -c:a aac -b:a 64k -frag_duration 2000000");

    /// <summary>The point's Smooth manifest on <paramref name="node"/> (with a playback token when given), or null.</summary>
    public static Task<SmoothManifest?> ManifestAsync(HttpClient http, NodeProcess node, string point, string? token = null) =>
        SmoothManifest.TryGetAsync(http, new Uri(node.Address, point + ".isml/Manifest" + (token is null ? "" : "?token=" + token)).ToString());

    /// <summary>How many video fragments the point lists on <paramref name="node"/>; 0 when it lists none or does not answer.</summary>
    public static async Task<int> VideoCountAsync(HttpClient http, NodeProcess node, string point, string? token = null) =>
        await ManifestAsync(http, node, point, token) is { } manifest && manifest.Streams.Any(s => s.Type == "video")
            ? manifest.Single("video").Fragments.Count
            : 0;
}
