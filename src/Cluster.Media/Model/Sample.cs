namespace Cluster.Media.Model;

/// <summary>One sample of a track fragment, with the tfhd defaults already applied.</summary>
/// <param name="Duration">Duration in the track's timescale.</param>
/// <param name="Size">Size of the sample's data in bytes.</param>
/// <param name="Flags">ISO/IEC 14496-12 sample flags (0x02000000 = sync sample depends on nothing; 0x00010000 = non-sync).</param>
/// <param name="CompositionTimeOffset">Composition minus decode time, in the track's timescale.</param>
public readonly record struct Sample(uint Duration, uint Size, uint Flags, int CompositionTimeOffset)
{
    /// <summary>Flags of a sync sample (sample_depends_on = 2, not a non-sync sample).</summary>
    public const uint SyncFlags = 0x02000000;

    /// <summary>Flags of a non-sync sample (sample_depends_on = 1, sample_is_non_sync_sample = 1).</summary>
    public const uint NonSyncFlags = 0x01010000;

    /// <summary>Whether the sample is a sync (key) sample.</summary>
    public bool IsSync => (Flags & 0x00010000) == 0;
}
