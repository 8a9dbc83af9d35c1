using Cluster.Media.Boxes;

namespace Cluster.Media.Codecs;

/// <summary>What an esds box (ISO/IEC 14496-1 ES_Descriptor) tells about an audio track.</summary>
internal readonly record struct EsdsInfo(byte ObjectTypeIndication, uint AverageBitrate, ReadOnlyMemory<byte> DecoderSpecificInfo);

/// <summary>Walks the ES_Descriptor in an esds payload down to the DecoderSpecificInfo (the AAC AudioSpecificConfig).</summary>
internal static class EsdsReader
{
    private const byte EsDescriptorTag = 3;
    private const byte DecoderConfigDescriptorTag = 4;
    private const byte DecoderSpecificInfoTag = 5;

    /// <param name="payload">The esds payload after version and flags.</param>
    /// <param name="offset">Stream offset of the esds box, for messages.</param>
    public static EsdsInfo Read(ReadOnlySpan<byte> payload, long offset)
    {
        var reader = new BigEndianReader(payload, FourCC.Esds, offset);
        ExpectTag(ref reader, EsDescriptorTag, offset);
        reader.Skip(2);
        var flags = reader.ReadByte();
        if ((flags & 0x80) != 0)
        {
            reader.Skip(2);
        }

        if ((flags & 0x40) != 0)
        {
            reader.Skip(reader.ReadByte());
        }

        if ((flags & 0x20) != 0)
        {
            reader.Skip(2);
        }

        var configLength = ExpectTag(ref reader, DecoderConfigDescriptorTag, offset);
        var configEnd = reader.Position + configLength;
        var objectType = reader.ReadByte();
        reader.Skip(1 + 3 + 4);
        var averageBitrate = reader.ReadUInt32();
        ReadOnlyMemory<byte> specificInfo = default;
        if (reader.Position < configEnd && reader.Remaining > 0)
        {
            var infoLength = ExpectTag(ref reader, DecoderSpecificInfoTag, offset);
            specificInfo = reader.ReadBytes(infoLength).ToArray();
        }

        return new EsdsInfo(objectType, averageBitrate, specificInfo);
    }

    private static int ExpectTag(ref BigEndianReader reader, byte tag, long offset)
    {
        var actual = reader.ReadByte();
        if (actual != tag)
        {
            throw new MediaFormatException($"esds at offset {offset}: expected descriptor tag {tag}, found {actual}.");
        }

        // Descriptor sizes are 7 bits per byte with a continuation bit, at most four bytes.
        var length = 0;
        for (var i = 0; i < 4; i++)
        {
            var b = reader.ReadByte();
            length = (length << 7) | (b & 0x7F);
            if ((b & 0x80) == 0)
            {
                reader.Require(length, $"descriptor {tag}");
                return length;
            }
        }

        throw new MediaFormatException($"esds at offset {offset}: descriptor {tag} has a size field longer than four bytes.");
    }
}
