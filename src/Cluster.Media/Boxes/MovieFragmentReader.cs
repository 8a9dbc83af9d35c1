using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Boxes;

/// <summary>Reads moof: mfhd and each traf's tfhd, tfdt, truns, tfxd and tfrf. Other children are skipped.</summary>
internal static class MovieFragmentReader
{
    public static MovieFragmentBox Read(ReadOnlySpan<byte> box, long offset, int maxSamples)
    {
        var header = FileTypeBox.ReadHeader(box, offset);
        if (header.Type != FourCC.Moof)
        {
            throw new MediaFormatException($"Expected a moof box at offset {offset}, found '{header.Name}'.");
        }

        uint? sequence = null;
        var trafs = ImmutableArray.CreateBuilder<TrackFragmentBox>();
        var samplesLeft = maxSamples;
        var children = new BoxIterator(box[header.HeaderSize..], offset + header.HeaderSize, FourCC.Moof);
        while (children.MoveNext(out var child, out var childBox))
        {
            var payload = BoxIterator.Payload(child, childBox);
            if (child.Type == FourCC.Mfhd)
            {
                var reader = new BigEndianReader(payload, FourCC.Mfhd, child.Offset);
                reader.ReadFullBoxHeader();
                sequence = reader.ReadUInt32();
            }
            else if (child.Type == FourCC.Traf)
            {
                trafs.Add(ReadTraf(payload, child.Offset, child.HeaderSize, ref samplesLeft, maxSamples));
            }
        }

        if (sequence is null)
        {
            throw new MediaFormatException($"moof at offset {offset} has no mfhd.");
        }

        if (trafs.Count == 0)
        {
            throw new MediaFormatException($"moof at offset {offset} has no traf.");
        }

        return new MovieFragmentBox(sequence.Value, trafs.ToImmutable());
    }

    private static TrackFragmentBox ReadTraf(ReadOnlySpan<byte> payload, long offset, int headerSize, ref int samplesLeft, int maxSamples)
    {
        TrackFragmentHeaderBox? tfhd = null;
        long? decodeTime = null;
        TfxdBox? tfxd = null;
        TfrfBox? tfrf = null;
        var runs = ImmutableArray.CreateBuilder<TrackRunBox>();
        var children = new BoxIterator(payload, offset + headerSize, FourCC.Traf);
        while (children.MoveNext(out var child, out var childBox))
        {
            var childPayload = BoxIterator.Payload(child, childBox);
            switch (child.Type)
            {
                case FourCC.Tfhd:
                    tfhd = ReadTfhd(childPayload, child.Offset);
                    break;
                case FourCC.Tfdt:
                    {
                        var reader = new BigEndianReader(childPayload, FourCC.Tfdt, child.Offset);
                        var (version, _) = reader.ReadFullBoxHeader();
                        decodeTime = version == 1 ? reader.ReadInt64() : reader.ReadUInt32();
                        break;
                    }

                case FourCC.Trun:
                    runs.Add(ReadTrun(childPayload, child.Offset, ref samplesLeft, maxSamples));
                    break;
                case FourCC.Uuid when child.ExtendedType == SmoothUuids.Tfxd:
                    tfxd = TfxdBox.Read(childPayload, child.Offset);
                    break;
                case FourCC.Uuid when child.ExtendedType == SmoothUuids.Tfrf:
                    tfrf = TfrfBox.Read(childPayload, child.Offset);
                    break;
                default:
                    break;
            }
        }

        if (tfhd is null)
        {
            throw new MediaFormatException($"traf at offset {offset} has no tfhd.");
        }

        return new TrackFragmentBox(tfhd, decodeTime, runs.ToImmutable(), tfxd, tfrf);
    }

    private static TrackFragmentHeaderBox ReadTfhd(ReadOnlySpan<byte> payload, long offset)
    {
        var reader = new BigEndianReader(payload, FourCC.Tfhd, offset);
        var (_, flags) = reader.ReadFullBoxHeader();
        var trackId = reader.ReadUInt32();
        ulong? baseDataOffset = (flags & TrackFragmentHeaderBox.BaseDataOffsetPresent) != 0 ? reader.ReadUInt64() : null;
        uint? descriptionIndex = (flags & TrackFragmentHeaderBox.SampleDescriptionIndexPresent) != 0 ? reader.ReadUInt32() : null;
        uint? duration = (flags & TrackFragmentHeaderBox.DefaultSampleDurationPresent) != 0 ? reader.ReadUInt32() : null;
        uint? size = (flags & TrackFragmentHeaderBox.DefaultSampleSizePresent) != 0 ? reader.ReadUInt32() : null;
        uint? sampleFlags = (flags & TrackFragmentHeaderBox.DefaultSampleFlagsPresent) != 0 ? reader.ReadUInt32() : null;
        return new TrackFragmentHeaderBox(trackId, flags, baseDataOffset, descriptionIndex, duration, size, sampleFlags);
    }

    private static TrackRunBox ReadTrun(ReadOnlySpan<byte> payload, long offset, ref int samplesLeft, int maxSamples)
    {
        var reader = new BigEndianReader(payload, FourCC.Trun, offset);
        var (version, flags) = reader.ReadFullBoxHeader();
        var count = reader.ReadUInt32();
        if (count > (uint)samplesLeft)
        {
            throw new MediaFormatException($"trun at offset {offset} brings the moof over the limit of {maxSamples} samples.");
        }

        samplesLeft -= (int)count;
        int? dataOffset = (flags & TrackRunBox.DataOffsetPresent) != 0 ? reader.ReadInt32() : null;
        uint? firstFlags = (flags & TrackRunBox.FirstSampleFlagsPresent) != 0 ? reader.ReadUInt32() : null;
        var hasDuration = (flags & TrackRunBox.SampleDurationPresent) != 0;
        var hasSize = (flags & TrackRunBox.SampleSizePresent) != 0;
        var hasFlags = (flags & TrackRunBox.SampleFlagsPresent) != 0;
        var hasOffset = (flags & TrackRunBox.SampleCompositionTimeOffsetPresent) != 0;
        var perSample = 4 * ((hasDuration ? 1 : 0) + (hasSize ? 1 : 0) + (hasFlags ? 1 : 0) + (hasOffset ? 1 : 0));

        // Check the table fits before allocating for a count that came from the input.
        reader.Require((long)perSample * count, $"{count} samples");
        var samples = ImmutableArray.CreateBuilder<Sample>((int)count);
        for (var i = 0; i < count; i++)
        {
            var duration = hasDuration ? reader.ReadUInt32() : 0;
            var size = hasSize ? reader.ReadUInt32() : 0;
            var sampleFlags = hasFlags ? reader.ReadUInt32() : 0;

            // Version 0 offsets are unsigned, but no encoder shifts a sample by 2^31 ticks, so one signed read serves both versions.
            var compositionOffset = hasOffset ? reader.ReadInt32() : 0;
            samples.Add(new Sample(duration, size, sampleFlags, compositionOffset));
        }

        return new TrackRunBox(version, flags, dataOffset, firstFlags, samples.MoveToImmutable());
    }
}
