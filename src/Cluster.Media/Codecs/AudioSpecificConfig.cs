using Cluster.Media.Model;

namespace Cluster.Media.Codecs;

/// <summary>
/// The AAC AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) fields a packager needs: the object type for the codec
/// string and the sampling rate and channels for the sample entry.
/// </summary>
/// <param name="SignalledObjectType">The first audioObjectType in the config: 2 = AAC-LC, 5 = SBR (HE-AAC), 29 = PS (HE-AACv2), after the escape (31) is resolved.</param>
/// <param name="CoreObjectType">The object type of the core coder (2 for HE-AAC with explicit signalling).</param>
/// <param name="SamplingRate">Core sampling rate in Hz.</param>
/// <param name="OutputSamplingRate">Sampling rate after SBR (equal to <paramref name="SamplingRate"/> without SBR).</param>
/// <param name="ChannelConfiguration">channelConfiguration (0 = defined by a program config element).</param>
/// <param name="Sbr">Whether SBR is signalled, explicitly or by the backward-compatible sync extension (0x2B7).</param>
/// <param name="Ps">Whether parametric stereo is signalled.</param>
public readonly record struct AudioSpecificConfig(
    int SignalledObjectType,
    int CoreObjectType,
    int SamplingRate,
    int OutputSamplingRate,
    int ChannelConfiguration,
    bool Sbr,
    bool Ps)
{
    private static readonly int[] SamplingRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    /// <summary>
    /// The object type the RFC 6381 codec string names (<c>mp4a.40.N</c>). HE-AAC is named 5 and HE-AACv2 29, whether
    /// signalled explicitly or by the sync extension: that is what Apple's HLS authoring spec and DASH-IF IOP (6.3.3)
    /// list for HE-AAC, and browsers' MSE accept both 40.5 and 40.29.
    /// </summary>
    public int CodecObjectType => SignalledObjectType is 5 or 29 ? SignalledObjectType : Ps ? 29 : Sbr ? 5 : SignalledObjectType;

    /// <summary>The track's AudioSpecificConfig bytes: raw decoder config, else CodecPrivateData hex, else AAC-LC built from rate and channels.</summary>
    public static byte[] BytesForTrack(TrackInfo track)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (!track.DecoderConfig.IsEmpty)
        {
            return track.DecoderConfig.ToArray();
        }

        if (!string.IsNullOrEmpty(track.CodecPrivateData))
        {
            try
            {
                return Convert.FromHexString(track.CodecPrivateData);
            }
            catch (FormatException)
            {
                throw new MediaFormatException("The CodecPrivateData is not hexadecimal.");
            }
        }

        return Build(track.FourCC.Equals("AACH", StringComparison.OrdinalIgnoreCase) ? 5 : 2, track.SamplingRate, track.Channels);
    }

    /// <summary>
    /// Builds a two-byte AAC-LC config (or, for object type 5, an explicit SBR config whose core runs at half the rate)
    /// for encoders that sent no config at all.
    /// </summary>
    public static byte[] Build(int objectType, int samplingRate, int channels)
    {
        if (channels is < 1 or > 7)
        {
            throw new MediaFormatException($"Cannot describe {channels} AAC channels without a config.");
        }

        if (objectType == 5)
        {
            // 5 bits SBR, 4 bits core rate index, 4 bits channels, 4 bits extension (output) rate index, 5 bits core AOT 2.
            var core = RateIndex(samplingRate / 2);
            var ext = RateIndex(samplingRate);
            var bits = (5u << 27) | ((uint)core << 23) | ((uint)channels << 19) | ((uint)ext << 15) | (2u << 10);
            return [(byte)(bits >> 24), (byte)(bits >> 16), (byte)(bits >> 8), 0];
        }

        var index = RateIndex(samplingRate);
        var value = (2 << 11) | (index << 7) | (channels << 3);
        return [(byte)(value >> 8), (byte)value];
    }

    /// <summary>Parses an AudioSpecificConfig.</summary>
    public static AudioSpecificConfig Parse(ReadOnlySpan<byte> config)
    {
        if (config.Length < 2)
        {
            throw new MediaFormatException("The AAC AudioSpecificConfig is shorter than two bytes.");
        }

        var reader = new BitReader(config);
        var signalled = ReadObjectType(ref reader);
        var rate = ReadRate(ref reader);
        var channels = (int)reader.ReadBits(4);
        var core = signalled;
        var outputRate = rate;
        var sbr = false;
        var ps = false;
        if (signalled is 5 or 29)
        {
            // Explicit hierarchical signalling (14496-3 1.6.5.2): extension rate, then the core object type.
            sbr = true;
            ps = signalled == 29;
            outputRate = ReadRate(ref reader);
            core = ReadObjectType(ref reader);
        }
        else if (signalled == 2 && channels != 0 && TryReadSyncExtension(ref reader, out var syncSbr, out var syncPs, out var syncRate))
        {
            // Backward-compatible signalling: AAC-LC config followed by the 0x2B7 sync extension.
            sbr = syncSbr;
            ps = syncPs;
            outputRate = syncSbr && syncRate > 0 ? syncRate : rate;
        }

        return new AudioSpecificConfig(signalled, core, rate, outputRate, channels, sbr, ps);
    }

    private static bool TryReadSyncExtension(ref BitReader reader, out bool sbr, out bool ps, out int rate)
    {
        sbr = false;
        ps = false;
        rate = 0;

        // GASpecificConfig for channelConfiguration != 0: frameLengthFlag, dependsOnCoreCoder (+14 bits delay), extensionFlag.
        if (reader.BitsLeft < 3)
        {
            return false;
        }

        reader.ReadFlag();
        if (reader.ReadFlag())
        {
            if (reader.BitsLeft < 15)
            {
                return false;
            }

            reader.Skip(14);
        }

        reader.ReadFlag();
        if (reader.BitsLeft < 16 || reader.ReadBits(11) != 0x2B7 || ReadObjectType(ref reader) != 5)
        {
            return false;
        }

        sbr = reader.ReadFlag();
        if (sbr)
        {
            rate = ReadRate(ref reader);
            if (reader.BitsLeft >= 12 && reader.ReadBits(11) == 0x548)
            {
                ps = reader.ReadFlag();
            }
        }

        return true;
    }

    private static int ReadObjectType(ref BitReader reader)
    {
        var type = (int)reader.ReadBits(5);
        return type == 31 ? 32 + (int)reader.ReadBits(6) : type;
    }

    private static int ReadRate(ref BitReader reader)
    {
        var index = (int)reader.ReadBits(4);
        if (index == 15)
        {
            return (int)reader.ReadBits(24);
        }

        return index < SamplingRates.Length
            ? SamplingRates[index]
            : throw new MediaFormatException($"The AAC config has the reserved sampling frequency index {index}.");
    }

    /// <summary>The samplingFrequencyIndex of <paramref name="rate"/> (14496-3 Table 1.18), which ADTS headers use too.</summary>
    internal static int RateIndex(int rate)
    {
        var index = Array.IndexOf(SamplingRates, rate);
        return index >= 0 ? index : throw new MediaFormatException($"{rate} Hz has no AAC sampling frequency index.");
    }
}
