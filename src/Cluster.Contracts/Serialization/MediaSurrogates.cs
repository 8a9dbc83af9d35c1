using System.Buffers.Binary;
using System.Collections.Immutable;
using Cluster.Media.Model;

namespace Cluster.Contracts.Serialization;

/// <summary>
/// A <see cref="Fragment"/> on the wire: its time, its sample table packed as 16 bytes a sample (big-endian duration,
/// size, flags, composition offset) and its media bytes, which Orleans writes raw. <see cref="Cluster.Media"/> stays free
/// of Orleans; the fragment's validating constructor runs on the receiving side.
/// </summary>
[GenerateSerializer]
public struct FragmentSurrogate
{
    /// <summary>Decode time of the first sample.</summary>
    [Id(0)]
    public long Time;

    /// <summary>The samples, 16 bytes each.</summary>
    [Id(1)]
    public byte[] Samples;

    /// <summary>The media data.</summary>
    [Id(2)]
    public ReadOnlyMemory<byte> Data;
}

/// <summary>Converts fragments to and from <see cref="FragmentSurrogate"/>.</summary>
[RegisterConverter]
public sealed class FragmentConverter : IConverter<Fragment, FragmentSurrogate>
{
    private const int SampleSize = 16;

    /// <inheritdoc/>
    public Fragment ConvertFromSurrogate(in FragmentSurrogate surrogate)
    {
        var packed = surrogate.Samples ?? [];
        if (packed.Length % SampleSize != 0)
        {
            throw new FormatException($"A fragment's sample table has {packed.Length} bytes, not a multiple of {SampleSize}.");
        }

        var samples = ImmutableArray.CreateBuilder<Sample>(packed.Length / SampleSize);
        for (var offset = 0; offset < packed.Length; offset += SampleSize)
        {
            var span = packed.AsSpan(offset, SampleSize);
            samples.Add(new Sample(
                BinaryPrimitives.ReadUInt32BigEndian(span),
                BinaryPrimitives.ReadUInt32BigEndian(span[4..]),
                BinaryPrimitives.ReadUInt32BigEndian(span[8..]),
                BinaryPrimitives.ReadInt32BigEndian(span[12..])));
        }

        return new Fragment(surrogate.Time, samples.MoveToImmutable(), surrogate.Data);
    }

    /// <inheritdoc/>
    public FragmentSurrogate ConvertToSurrogate(in Fragment value)
    {
        var packed = new byte[value.Samples.Length * SampleSize];
        for (var i = 0; i < value.Samples.Length; i++)
        {
            var sample = value.Samples[i];
            var span = packed.AsSpan(i * SampleSize, SampleSize);
            BinaryPrimitives.WriteUInt32BigEndian(span, sample.Duration);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], sample.Size);
            BinaryPrimitives.WriteUInt32BigEndian(span[8..], sample.Flags);
            BinaryPrimitives.WriteInt32BigEndian(span[12..], sample.CompositionTimeOffset);
        }

        return new FragmentSurrogate { Time = value.Time, Samples = packed, Data = value.Data };
    }
}

/// <summary>A <see cref="TimelineEntry"/> on the wire.</summary>
[GenerateSerializer]
public struct TimelineEntrySurrogate
{
    /// <summary>Decode time.</summary>
    [Id(0)]
    public long Time;

    /// <summary>Duration.</summary>
    [Id(1)]
    public long Duration;
}

/// <summary>Converts timeline entries to and from <see cref="TimelineEntrySurrogate"/>.</summary>
[RegisterConverter]
public sealed class TimelineEntryConverter : IConverter<TimelineEntry, TimelineEntrySurrogate>
{
    /// <inheritdoc/>
    public TimelineEntry ConvertFromSurrogate(in TimelineEntrySurrogate surrogate) => new(surrogate.Time, surrogate.Duration);

    /// <inheritdoc/>
    public TimelineEntrySurrogate ConvertToSurrogate(in TimelineEntry value) => new() { Time = value.Time, Duration = value.Duration };
}
