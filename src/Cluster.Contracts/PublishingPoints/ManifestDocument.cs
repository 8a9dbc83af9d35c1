
namespace Cluster.Contracts.PublishingPoints;

/// <summary>Output formats a point packages on the fly.</summary>
public enum ManifestFormat
{
    /// <summary>Smooth Streaming client manifest.</summary>
    Smooth,

    /// <summary>HLS multivariant playlist with CMAF (fMP4) segments.</summary>
    Hls,

    /// <summary>DASH MPD with SegmentTimeline and CMAF segments.</summary>
    Dash,

    /// <summary>HLS multivariant playlist with MPEG-2 TS segments (IIS's and Azure Media Services' <c>format=m3u8-aapl</c>).</summary>
    HlsTs,
}

/// <summary>A built manifest: immutable bytes plus what HTTP caching needs.</summary>
/// <param name="Body">The document.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="ETag">Changes whenever the body changes.</param>
/// <param name="LastModified">When the newest fragment listed arrived.</param>
/// <param name="IsLive">Whether the point is still live (short caching) or finished (VOD).</param>
[GenerateSerializer, Immutable]
public sealed record ManifestDocument(ReadOnlyMemory<byte> Body, string ContentType, string ETag, DateTimeOffset LastModified, bool IsLive);
