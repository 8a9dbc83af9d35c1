using Cluster.Media.Codecs;
using Cluster.Media.Model;

namespace Cluster.Media.MpegTs;

/// <summary>
/// What the MPEG-2 TS packager needs of a track, worked out once: its stream type and PES stream id, and for H.264
/// the parameter sets sent before each key frame (Annex B) and the NAL length size of its samples, for AAC the fields
/// of the ADTS header each frame gets. Only H.264 and AAC: what HLS with TS segments carries to the devices that need it.
/// </summary>
public sealed class TsTrack
{
    private TsTrack(TrackKind kind, long timescale)
    {
        Kind = kind;
        Timescale = timescale;
    }

    /// <summary>Video or audio.</summary>
    public TrackKind Kind { get; }

    /// <summary>Ticks per second of the track's times.</summary>
    public long Timescale { get; }

    /// <summary>The SPS and PPS NAL units, each behind a 4-byte start code (H.264 only).</summary>
    internal byte[] ParameterSets { get; private init; } = [];

    /// <summary>Bytes of each NAL unit's length prefix in the samples (H.264 only).</summary>
    internal int NalLengthSize { get; private init; }

    /// <summary>ADTS profile (the core audio object type minus one), sampling frequency index and channel configuration (AAC only).</summary>
    internal (int Profile, int FrequencyIndex, int Channels) Adts { get; private init; }

    /// <summary>The track's configuration for TS; <see cref="MediaFormatException"/> when TS cannot carry it.</summary>
    public static TsTrack For(TrackInfo track)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.Timescale <= 0)
        {
            throw new MediaFormatException($"Track {track.Name} has no timescale.");
        }

        return track.FourCC.ToUpperInvariant() switch
        {
            "H264" or "AVC1" or "AVC3" => Avc(track),
            "AACL" or "AACH" or "MP4A" => Aac(track),
            var other => throw new MediaFormatException($"MPEG-2 TS output carries H.264 and AAC, not {other}; use format=m3u8-cmaf."),
        };
    }

    private static TsTrack Avc(TrackInfo track)
    {
        var configuration = AvcDecoderConfiguration.Read(AvcConfiguration.ForTrack(track));
        if (configuration.SequenceParameterSets.IsEmpty || configuration.PictureParameterSets.IsEmpty)
        {
            throw new MediaFormatException($"Track {track.Name} has no SPS or PPS to send before its key frames.");
        }

        var sets = new List<byte>();
        foreach (var set in configuration.SequenceParameterSets.Concat(configuration.PictureParameterSets))
        {
            sets.AddRange(StartCode);
            sets.AddRange(set.Span);
        }

        return new TsTrack(TrackKind.Video, track.Timescale) { ParameterSets = [.. sets], NalLengthSize = configuration.NalLengthSize };
    }

    private static TsTrack Aac(TrackInfo track)
    {
        var config = AudioSpecificConfig.Parse(AudioSpecificConfig.BytesForTrack(track));

        // ADTS has two bits of profile (Main, LC, SSR, LTP) and names the core: HE-AAC's SBR is found by the decoder.
        if (config.CoreObjectType is < 1 or > 4 || config.ChannelConfiguration is < 1 or > 7)
        {
            throw new MediaFormatException($"Track {track.Name}: AAC object type {config.CoreObjectType} with channel configuration {config.ChannelConfiguration} has no ADTS header.");
        }

        return new TsTrack(TrackKind.Audio, track.Timescale)
        {
            Adts = (config.CoreObjectType - 1, AudioSpecificConfig.RateIndex(config.SamplingRate), config.ChannelConfiguration),
        };
    }

    internal static ReadOnlySpan<byte> StartCode => [0, 0, 0, 1];
}
