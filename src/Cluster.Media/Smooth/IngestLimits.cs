namespace Cluster.Media.Smooth;

/// <summary>Bounds on what one Smooth push body may make the reader buffer or allocate.</summary>
public sealed class IngestLimits
{
    /// <summary>Largest header box (ftyp, live server manifest, moov, mfra) in bytes. Default 1 MiB.</summary>
    public int MaxHeaderBoxSize { get; init; } = 1024 * 1024;

    /// <summary>Largest fragment, moof plus mdat, in bytes. Default 64 MiB.</summary>
    public int MaxFragmentSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Most tracks in one header. Default 32.</summary>
    public int MaxTracks { get; init; } = 32;

    /// <summary>Most samples in one moof. Default 100,000.</summary>
    public int MaxSamplesPerFragment { get; init; } = 100_000;

    /// <summary>The defaults.</summary>
    public static IngestLimits Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a limit is not positive or too small to hold a box header.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHeaderBoxSize, 16, nameof(MaxHeaderBoxSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFragmentSize, 32, nameof(MaxFragmentSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTracks, 1, nameof(MaxTracks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSamplesPerFragment, 1, nameof(MaxSamplesPerFragment));
    }
}
