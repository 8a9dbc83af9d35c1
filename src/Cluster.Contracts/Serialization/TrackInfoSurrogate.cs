using Cluster.Media.Model;

namespace Cluster.Contracts.Serialization;

/// <summary>A <see cref="TrackInfo"/> on the wire, field by field (the media type stays free of Orleans).</summary>
[GenerateSerializer]
public struct TrackInfoSurrogate
{
    /// <summary>See <see cref="TrackInfo.Kind"/>.</summary>
    [Id(0)] public TrackKind Kind;

    /// <summary>See <see cref="TrackInfo.Name"/>.</summary>
    [Id(1)] public string Name;

    /// <summary>See <see cref="TrackInfo.Bitrate"/>.</summary>
    [Id(2)] public int Bitrate;

    /// <summary>See <see cref="TrackInfo.TrackId"/>.</summary>
    [Id(3)] public uint TrackId;

    /// <summary>See <see cref="TrackInfo.Timescale"/>.</summary>
    [Id(4)] public long Timescale;

    /// <summary>See <see cref="TrackInfo.FourCC"/>.</summary>
    [Id(5)] public string FourCC;

    /// <summary>See <see cref="TrackInfo.CodecPrivateData"/>.</summary>
    [Id(6)] public string CodecPrivateData;

    /// <summary>See <see cref="TrackInfo.DecoderConfig"/>.</summary>
    [Id(7)] public ReadOnlyMemory<byte> DecoderConfig;

    /// <summary>See <see cref="TrackInfo.Width"/>.</summary>
    [Id(8)] public int Width;

    /// <summary>See <see cref="TrackInfo.Height"/>.</summary>
    [Id(9)] public int Height;

    /// <summary>See <see cref="TrackInfo.DisplayWidth"/>.</summary>
    [Id(10)] public int DisplayWidth;

    /// <summary>See <see cref="TrackInfo.DisplayHeight"/>.</summary>
    [Id(11)] public int DisplayHeight;

    /// <summary>See <see cref="TrackInfo.SamplingRate"/>.</summary>
    [Id(12)] public int SamplingRate;

    /// <summary>See <see cref="TrackInfo.Channels"/>.</summary>
    [Id(13)] public int Channels;

    /// <summary>See <see cref="TrackInfo.BitsPerSample"/>.</summary>
    [Id(14)] public int BitsPerSample;

    /// <summary>See <see cref="TrackInfo.PacketSize"/>.</summary>
    [Id(15)] public int PacketSize;

    /// <summary>See <see cref="TrackInfo.AudioTag"/>.</summary>
    [Id(16)] public int AudioTag;

    /// <summary>See <see cref="TrackInfo.Language"/>.</summary>
    [Id(17)] public string? Language;
}

/// <summary>Converts track infos to and from <see cref="TrackInfoSurrogate"/>.</summary>
[RegisterConverter]
public sealed class TrackInfoConverter : IConverter<TrackInfo, TrackInfoSurrogate>
{
    /// <inheritdoc/>
    public TrackInfo ConvertFromSurrogate(in TrackInfoSurrogate s) => new()
    {
        Kind = s.Kind,
        Name = s.Name,
        Bitrate = s.Bitrate,
        TrackId = s.TrackId,
        Timescale = s.Timescale,
        FourCC = s.FourCC,
        CodecPrivateData = s.CodecPrivateData ?? "",
        DecoderConfig = s.DecoderConfig,
        Width = s.Width,
        Height = s.Height,
        DisplayWidth = s.DisplayWidth,
        DisplayHeight = s.DisplayHeight,
        SamplingRate = s.SamplingRate,
        Channels = s.Channels,
        BitsPerSample = s.BitsPerSample,
        PacketSize = s.PacketSize,
        AudioTag = s.AudioTag,
        Language = s.Language,
    };

    /// <inheritdoc/>
    public TrackInfoSurrogate ConvertToSurrogate(in TrackInfo value) => new()
    {
        Kind = value.Kind,
        Name = value.Name,
        Bitrate = value.Bitrate,
        TrackId = value.TrackId,
        Timescale = value.Timescale,
        FourCC = value.FourCC,
        CodecPrivateData = value.CodecPrivateData,
        DecoderConfig = value.DecoderConfig,
        Width = value.Width,
        Height = value.Height,
        DisplayWidth = value.DisplayWidth,
        DisplayHeight = value.DisplayHeight,
        SamplingRate = value.SamplingRate,
        Channels = value.Channels,
        BitsPerSample = value.BitsPerSample,
        PacketSize = value.PacketSize,
        AudioTag = value.AudioTag,
        Language = value.Language,
    };
}
