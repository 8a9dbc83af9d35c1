namespace Cluster.Media.Model;

/// <summary>Where one fragment stands on its track's timeline: decode time and duration in the track's timescale.</summary>
public readonly record struct TimelineEntry(long Time, long Duration)
{
    /// <summary>Decode time just after the fragment.</summary>
    public long End => Time + Duration;
}
