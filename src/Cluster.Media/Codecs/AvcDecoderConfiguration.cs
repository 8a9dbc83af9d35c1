using System.Collections.Immutable;
using Cluster.Media.Boxes;

namespace Cluster.Media.Codecs;

/// <summary>The parts of an AVCDecoderConfigurationRecord (avcC payload, ISO/IEC 14496-15 5.3.3) the origin needs.</summary>
public sealed record AvcDecoderConfiguration(
    byte Profile,
    byte ProfileCompatibility,
    byte Level,
    int NalLengthSize,
    ImmutableArray<ReadOnlyMemory<byte>> SequenceParameterSets,
    ImmutableArray<ReadOnlyMemory<byte>> PictureParameterSets)
{
    /// <summary>Parses an avcC payload; the parameter sets are copied out so the result outlives the input.</summary>
    public static AvcDecoderConfiguration Read(ReadOnlySpan<byte> avcC)
    {
        var reader = new BigEndianReader(avcC, FourCC.AvcC, 0);
        var version = reader.ReadByte();
        if (version != 1)
        {
            throw new MediaFormatException($"avcC configurationVersion is {version}, expected 1.");
        }

        var profile = reader.ReadByte();
        var compatibility = reader.ReadByte();
        var level = reader.ReadByte();
        var lengthSize = (reader.ReadByte() & 0x3) + 1;
        var spsCount = reader.ReadByte() & 0x1F;
        var sps = ReadUnits(ref reader, spsCount);
        var ppsCount = reader.ReadByte();
        var pps = ReadUnits(ref reader, ppsCount);
        return new AvcDecoderConfiguration(profile, compatibility, level, lengthSize, sps, pps);
    }

    private static ImmutableArray<ReadOnlyMemory<byte>> ReadUnits(ref BigEndianReader reader, int count)
    {
        var units = ImmutableArray.CreateBuilder<ReadOnlyMemory<byte>>(count);
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadUInt16();
            units.Add(reader.ReadBytes(length).ToArray());
        }

        return units.MoveToImmutable();
    }
}
