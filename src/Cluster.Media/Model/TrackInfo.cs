namespace Cluster.Media.Model;

/// <summary>What a track is, as an encoder announced it (live server manifest and moov) and as players need it.</summary>
public sealed record TrackInfo
{
    /// <summary>Video, audio or text.</summary>
    public required TrackKind Kind { get; init; }

    /// <summary>Stream name (Smooth StreamIndex Name), such as <c>video</c> or <c>audio</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Bitrate in bits per second; tells quality levels of one stream apart.</summary>
    public required int Bitrate { get; init; }

    /// <summary>Track id inside the encoder's own stream (tkhd/tfhd track_ID); local to one ingest connection.</summary>
    public uint TrackId { get; init; }

    /// <summary>Ticks per second of the track's times; Smooth uses 10,000,000.</summary>
    public long Timescale { get; init; } = 10_000_000;

    /// <summary>Smooth FourCC: H264, AVC1, HEVC, AACL, AACH, TTML...</summary>
    public required string FourCC { get; init; }

    /// <summary>Codec configuration as Smooth's CodecPrivateData (hex): Annex B SPS/PPS for H.264, AudioSpecificConfig for AAC.</summary>
    public string CodecPrivateData { get; init; } = "";

    /// <summary>Raw decoder configuration record from the moov (avcC, hvcC, or the esds AudioSpecificConfig), when known.</summary>
    public ReadOnlyMemory<byte> DecoderConfig { get; init; }

    /// <summary>Video width in pixels.</summary>
    public int Width { get; init; }

    /// <summary>Video height in pixels.</summary>
    public int Height { get; init; }

    /// <summary>Display width in pixels (Smooth DisplayWidth); 0 when not announced.</summary>
    public int DisplayWidth { get; init; }

    /// <summary>Display height in pixels (Smooth DisplayHeight); 0 when not announced.</summary>
    public int DisplayHeight { get; init; }

    /// <summary>Audio sampling rate in Hz.</summary>
    public int SamplingRate { get; init; }

    /// <summary>Audio channel count.</summary>
    public int Channels { get; init; }

    /// <summary>Audio bits per sample.</summary>
    public int BitsPerSample { get; init; }

    /// <summary>Audio packet size (block align).</summary>
    public int PacketSize { get; init; }

    /// <summary>Audio format tag (255 for AAC in Smooth).</summary>
    public int AudioTag { get; init; }

    /// <summary>ISO 639 language, when announced.</summary>
    public string? Language { get; init; }
}

/// <summary>Kind of a track, as Smooth's StreamIndex Type names it.</summary>
public enum TrackKind
{
    /// <summary>Video.</summary>
    Video,

    /// <summary>Audio.</summary>
    Audio,

    /// <summary>Text (subtitles, captions).</summary>
    Text,
}
