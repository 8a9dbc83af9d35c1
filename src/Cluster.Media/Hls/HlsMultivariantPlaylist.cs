using System.Collections.Immutable;

namespace Cluster.Media.Hls;

/// <summary>What a multivariant (master) playlist lists: video variants and the audio renditions they share.</summary>
/// <param name="Video">One variant per video quality level; empty for an audio-only stream.</param>
/// <param name="Audio">Audio renditions; with video they form the group <c>audio</c>, without video each is a variant.</param>
public sealed record HlsMultivariantPlaylist(ImmutableArray<HlsVideoVariant> Video, ImmutableArray<HlsAudioRendition> Audio)
{
    /// <summary>The version written unless <see cref="Version"/> says otherwise: the same as the media playlists'.</summary>
    public const int DefaultVersion = HlsMediaPlaylist.DefaultVersion;

    /// <summary>EXT-X-VERSION: that of the media playlists it lists (RFC 8216 6.2.4 asks for the same).</summary>
    public int Version { get; init; } = DefaultVersion;
}

/// <summary>A video variant stream.</summary>
/// <param name="Uri">Media playlist URI, relative to the multivariant playlist.</param>
/// <param name="Bandwidth">Peak bit rate of the video alone in bits/s; the writer adds the highest audio rendition's.</param>
/// <param name="Codecs">RFC 6381 codec string of the video, such as <c>avc1.64001f</c>.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record HlsVideoVariant(string Uri, int Bandwidth, string Codecs, int Width, int Height)
{
    /// <summary>Average bit rate of the video alone, when known.</summary>
    public int? AverageBandwidth { get; init; }

    /// <summary>Frames per second, when known.</summary>
    public double? FrameRate { get; init; }
}

/// <summary>An audio rendition.</summary>
/// <param name="Uri">Media playlist URI.</param>
/// <param name="Name">Human-readable name; unique within the stream (RFC 8216 4.3.4.1.1).</param>
/// <param name="Bandwidth">Peak bit rate in bits/s.</param>
/// <param name="Codecs">RFC 6381 codec string, such as <c>mp4a.40.2</c>.</param>
/// <param name="Channels">Channel count (CHANNELS).</param>
public sealed record HlsAudioRendition(string Uri, string Name, int Bandwidth, string Codecs, int Channels)
{
    /// <summary>RFC 5646 language tag, when known.</summary>
    public string? Language { get; init; }

    /// <summary>Average bit rate, when known.</summary>
    public int? AverageBandwidth { get; init; }
}
