using System.Buffers;
using System.Collections.Immutable;
using Cluster.Media.Boxes;

namespace Cluster.Media.Codecs;

/// <summary>
/// Converts between moov decoder configurations (avcC, hvcC, AudioSpecificConfig) and Smooth's CodecPrivateData hex:
/// Annex B parameter sets (each after a 00000001 start code) for H.264/HEVC, the AudioSpecificConfig itself for AAC.
/// </summary>
public static class CodecPrivateData
{
    private static readonly byte[] StartCode = [0, 0, 0, 1];
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Builds H.264 CodecPrivateData (00000001 SPS... 00000001 PPS..., upper-case hex) from an avcC payload.</summary>
    public static string FromAvcDecoderConfiguration(ReadOnlySpan<byte> avcC)
    {
        var config = AvcDecoderConfiguration.Read(avcC);
        return ToAnnexBHex(config.SequenceParameterSets.AddRange(config.PictureParameterSets));
    }

    /// <summary>Builds HEVC CodecPrivateData (00000001 before each VPS, SPS and PPS, upper-case hex) from an hvcC payload.</summary>
    public static string FromHevcDecoderConfiguration(ReadOnlySpan<byte> hvcC)
    {
        var reader = new BigEndianReader(hvcC, FourCC.HvcC, 0);
        reader.Skip(22);
        var arrayCount = reader.ReadByte();
        var units = ImmutableArray.CreateBuilder<ReadOnlyMemory<byte>>();
        for (var i = 0; i < arrayCount; i++)
        {
            reader.Skip(1);
            var count = reader.ReadUInt16();
            for (var j = 0; j < count; j++)
            {
                var length = reader.ReadUInt16();
                units.Add(reader.ReadBytes(length).ToArray());
            }
        }

        return ToAnnexBHex(units.ToImmutable());
    }

    /// <summary>AAC CodecPrivateData: the AudioSpecificConfig as upper-case hex.</summary>
    public static string FromAudioSpecificConfig(ReadOnlySpan<byte> audioSpecificConfig) => Convert.ToHexString(audioSpecificConfig);

    /// <summary>Parses AAC CodecPrivateData into the AudioSpecificConfig bytes.</summary>
    public static byte[] ParseAudioSpecificConfig(string codecPrivateData)
    {
        var bytes = ParseHex(codecPrivateData);
        if (bytes.Length < 2)
        {
            throw new MediaFormatException($"AAC CodecPrivateData '{codecPrivateData}' is shorter than an AudioSpecificConfig (2 bytes).");
        }

        return bytes;
    }

    /// <summary>Parses hex text, with a <see cref="MediaFormatException"/> for anything that is not hex.</summary>
    public static byte[] ParseHex(string hex)
    {
        if (hex.Length % 2 != 0 || hex.AsSpan().ContainsAnyExcept(HexDigits))
        {
            throw new MediaFormatException($"CodecPrivateData '{Shorten(hex)}' is not an even number of hex digits.");
        }

        return Convert.FromHexString(hex);
    }

    internal static string ToAnnexBHex(ImmutableArray<ReadOnlyMemory<byte>> units)
    {
        var length = 0;
        foreach (var unit in units)
        {
            length += StartCode.Length + unit.Length;
        }

        var bytes = new byte[length];
        var position = 0;
        foreach (var unit in units)
        {
            StartCode.CopyTo(bytes, position);
            position += StartCode.Length;
            unit.Span.CopyTo(bytes.AsSpan(position));
            position += unit.Length;
        }

        return Convert.ToHexString(bytes);
    }

    private static void AddUnit(List<ReadOnlyMemory<byte>> units, byte[] bytes, int start, int end)
    {
        if (end > start)
        {
            units.Add(bytes.AsMemory(start, end - start));
        }
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";
}

