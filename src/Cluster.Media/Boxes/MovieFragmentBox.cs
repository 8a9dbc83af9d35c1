using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Media.Boxes;

/// <summary>A parsed moof: mfhd sequence number and its track fragments, values as they stand in the boxes.</summary>
/// <param name="SequenceNumber">mfhd sequence_number.</param>
/// <param name="TrackFragments">The trafs, in order.</param>
public sealed record MovieFragmentBox(uint SequenceNumber, ImmutableArray<TrackFragmentBox> TrackFragments)
{
    /// <summary>Parses a whole moof box (header included).</summary>
    /// <param name="box">The box bytes.</param>
    /// <param name="offset">Stream offset of the box, for messages and for tfhd base data offsets.</param>
    /// <param name="maxSamples">Most samples accepted over all truns of the moof.</param>
    public static MovieFragmentBox Read(ReadOnlySpan<byte> box, long offset, int maxSamples = int.MaxValue) =>
        MovieFragmentReader.Read(box, offset, maxSamples);
}

/// <summary>A parsed traf.</summary>
/// <param name="Header">The tfhd.</param>
/// <param name="BaseMediaDecodeTime">tfdt time, when present.</param>
/// <param name="Runs">The truns, in order.</param>
/// <param name="Tfxd">The Smooth TfxdBox, when present.</param>
/// <param name="Tfrf">The Smooth TfrfBox, when present.</param>
public sealed record TrackFragmentBox(
    TrackFragmentHeaderBox Header,
    long? BaseMediaDecodeTime,
    ImmutableArray<TrackRunBox> Runs,
    TfxdBox? Tfxd,
    TfrfBox? Tfrf);

/// <summary>A tfhd with its optional fields (null when absent).</summary>
public sealed record TrackFragmentHeaderBox(
    uint TrackId,
    uint Flags,
    ulong? BaseDataOffset,
    uint? SampleDescriptionIndex,
    uint? DefaultSampleDuration,
    uint? DefaultSampleSize,
    uint? DefaultSampleFlags)
{
#pragma warning disable CS1591 // Flag names are ISO/IEC 14496-12's.
    public const uint BaseDataOffsetPresent = 0x000001;
    public const uint SampleDescriptionIndexPresent = 0x000002;
    public const uint DefaultSampleDurationPresent = 0x000008;
    public const uint DefaultSampleSizePresent = 0x000010;
    public const uint DefaultSampleFlagsPresent = 0x000020;
    public const uint DurationIsEmpty = 0x010000;
    public const uint DefaultBaseIsMoof = 0x020000;
#pragma warning restore CS1591
}

/// <summary>
/// A trun. <see cref="Samples"/> holds the per-sample fields the flags say are present; absent fields are 0 and get
/// their value from tfhd/trex defaults when the fragment is resolved.
/// </summary>
public sealed record TrackRunBox(byte Version, uint Flags, int? DataOffset, uint? FirstSampleFlags, ImmutableArray<Sample> Samples)
{
#pragma warning disable CS1591 // Flag names are ISO/IEC 14496-12's.
    public const uint DataOffsetPresent = 0x000001;
    public const uint FirstSampleFlagsPresent = 0x000004;
    public const uint SampleDurationPresent = 0x000100;
    public const uint SampleSizePresent = 0x000200;
    public const uint SampleFlagsPresent = 0x000400;
    public const uint SampleCompositionTimeOffsetPresent = 0x000800;
#pragma warning restore CS1591

    /// <summary>Whether a per-sample field is present.</summary>
    public bool Has(uint flag) => (Flags & flag) != 0;
}

/// <summary>Smooth TfxdBox (MS-SSTR 2.2.4.4): the fragment's absolute time and duration, read as signed; read and written here.</summary>
public sealed record TfxdBox(long Time, long Duration)
{
    private static readonly byte[] BoxType = SmoothUuids.ToBoxBytes(SmoothUuids.Tfxd);

    /// <summary>Reads a tfxd payload (after the uuid header), version 0 or 1.</summary>
    public static TfxdBox Read(ReadOnlySpan<byte> payload, long offset)
    {
        var reader = new BigEndianReader(payload, FourCC.Uuid, offset);
        var (version, _) = reader.ReadFullBoxHeader();
        return version == 1 ? new TfxdBox(reader.ReadInt64(), reader.ReadInt64()) : new TfxdBox(reader.ReadUInt32(), reader.ReadUInt32());
    }

    /// <summary>Writes version 1 (64-bit); a time before zero goes as its two's complement.</summary>
    public static void Write(BoxWriter writer, long time, long duration)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var box = writer.StartUuidBox(BoxType);
        writer.WriteUInt32(0x01000000);
        writer.WriteUInt64(unchecked((ulong)time));
        writer.WriteUInt64(unchecked((ulong)duration));
        writer.EndBox(box);
    }
}

/// <summary>Smooth TfrfBox (MS-SSTR 2.2.4.5): absolute times and durations of fragments that follow; read and written here.</summary>
public sealed record TfrfBox(ImmutableArray<TimelineEntry> Entries)
{
    /// <summary>FragmentCount is one byte.</summary>
    public const int MaxEntries = byte.MaxValue;

    private static readonly byte[] BoxType = SmoothUuids.ToBoxBytes(SmoothUuids.Tfrf);

    /// <summary>Reads a tfrf payload (after the uuid header), version 0 or 1.</summary>
    public static TfrfBox Read(ReadOnlySpan<byte> payload, long offset)
    {
        var reader = new BigEndianReader(payload, FourCC.Uuid, offset);
        var (version, _) = reader.ReadFullBoxHeader();
        var count = reader.ReadByte();
        var entries = ImmutableArray.CreateBuilder<TimelineEntry>(count);
        for (var i = 0; i < count; i++)
        {
            entries.Add(version == 1 ? new TimelineEntry(reader.ReadInt64(), reader.ReadInt64()) : new TimelineEntry(reader.ReadUInt32(), reader.ReadUInt32()));
        }

        return new TfrfBox(entries.MoveToImmutable());
    }

    /// <summary>Writes version 1 with the first <see cref="MaxEntries"/> of <paramref name="entries"/>.</summary>
    public static void Write(BoxWriter writer, ReadOnlySpan<TimelineEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(writer);
        entries = entries[..Math.Min(entries.Length, MaxEntries)];
        var box = writer.StartUuidBox(BoxType);
        writer.WriteUInt32(0x01000000);
        writer.WriteByte((byte)entries.Length);
        foreach (var entry in entries)
        {
            writer.WriteUInt64(unchecked((ulong)entry.Time));
            writer.WriteUInt64(unchecked((ulong)entry.Duration));
        }

        writer.EndBox(box);
    }
}
