using System.Collections.Immutable;

namespace Cluster.Media.Model;

/// <summary>
/// A track fragment as the origin stores it: its decode time, its sample table and its media data. Immutable, so
/// one instance is shared by every reader and every output format.
/// </summary>
public sealed class Fragment
{
    /// <summary>Creates a fragment; <paramref name="data"/> must hold exactly the samples' bytes, in order.</summary>
    public Fragment(long time, ImmutableArray<Sample> samples, ReadOnlyMemory<byte> data)
    {
        if (samples.IsDefaultOrEmpty)
        {
            throw new ArgumentException("A fragment needs at least one sample.", nameof(samples));
        }

        long duration = 0;
        long size = 0;
        foreach (var sample in samples)
        {
            duration += sample.Duration;
            size += sample.Size;
        }

        if (size != data.Length)
        {
            throw new ArgumentException($"The samples add up to {size} bytes but the data has {data.Length}.", nameof(data));
        }

        Time = time;
        Duration = duration;
        Samples = samples;
        Data = data;
    }

    /// <summary>Decode time of the first sample, in the track's timescale.</summary>
    public long Time { get; }

    /// <summary>Sum of the sample durations.</summary>
    public long Duration { get; }

    /// <summary>Decode time just after the last sample.</summary>
    public long End => Time + Duration;

    /// <summary>The samples, in decode order.</summary>
    public ImmutableArray<Sample> Samples { get; }

    /// <summary>The samples' bytes (the mdat payload), never modified once stored.</summary>
    public ReadOnlyMemory<byte> Data { get; }
}
