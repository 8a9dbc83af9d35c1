using Cluster.Media.Model;

namespace Cluster.Media.Boxes;

/// <summary>
/// Writes the trun and mdat header every fragment output shares (Smooth and CMAF): all four per-sample fields, and a
/// data offset that is patched once the moof is complete.
/// </summary>
internal static class TrackRunWriter
{
    /// <summary>trun flags: data offset, and per sample duration, size, flags and composition time offset.</summary>
    private const uint Flags = TrackRunBox.DataOffsetPresent | TrackRunBox.SampleDurationPresent | TrackRunBox.SampleSizePresent
        | TrackRunBox.SampleFlagsPresent | TrackRunBox.SampleCompositionTimeOffsetPresent;

    /// <summary>Writes the trun; returns where its data offset stands, for <see cref="EndFragment"/>.</summary>
    public static int Write(BoxWriter writer, ReadOnlySpan<Sample> samples)
    {
        // Version 1 (signed offsets) only when needed, so version-0-only parsers keep working for B-frame-free
        // streams and encoders' non-negative offsets stay byte for byte what they sent.
        byte version = 0;
        foreach (var sample in samples)
        {
            if (sample.CompositionTimeOffset < 0)
            {
                version = 1;
                break;
            }
        }

        var trun = writer.StartFullBox(FourCC.Trun, version, Flags);
        writer.WriteUInt32((uint)samples.Length);
        var dataOffsetPosition = writer.Length;
        writer.WriteUInt32(0);
        foreach (var sample in samples)
        {
            writer.WriteUInt32(sample.Duration);
            writer.WriteUInt32(sample.Size);
            writer.WriteUInt32(sample.Flags);
            writer.WriteInt32(sample.CompositionTimeOffset);
        }

        writer.EndBox(trun);
        return dataOffsetPosition;
    }

    /// <summary>
    /// Closes the moof started at <paramref name="moofStart"/>, points the trun's data offset at the first payload
    /// byte (moof size + the 8-byte mdat header) and writes that mdat header; the payload follows, sent by the caller.
    /// </summary>
    public static void EndFragment(BoxWriter writer, int moofStart, int dataOffsetPosition, int dataLength)
    {
        writer.EndBox(moofStart);
        writer.PatchUInt32(dataOffsetPosition, (uint)(writer.Length - moofStart + 8));
        writer.WriteUInt32((uint)(8 + dataLength));
        writer.WriteUInt32(FourCC.Mdat);
    }
}
