using Cluster.Contracts.PublishingPoints;

namespace Cluster.Grains.Archive;

/// <summary>
/// Live-to-VOD archive behaviour for the whole node (configuration section <c>Cluster:Archive</c>). Whether and where a
/// point archives is its own <see cref="ArchiveSettings"/>; this is how archives are written and served.
/// </summary>
public sealed class ArchiveOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:Archive";

    /// <summary>
    /// Path prefix under which archived sessions are served as (stopped) publishing points:
    /// <c>/{PlaybackPath}/{point path}/{session}.isml/Manifest</c>, e.g. <c>/archive/live/event1/20250101T120000Z.isml/Manifest</c>.
    /// Default <c>archive</c>.
    /// </summary>
    public string PlaybackPath { get; set; } = "archive";

    /// <summary>
    /// Whether each fragment is forced to the disk (fsync) once written, so even a power cut or a kernel crash loses at most
    /// the fragment being written. Off, a fragment still reaches the operating system before the next is read, which
    /// survives a crash of this process but not of the machine. Default true.
    /// </summary>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>Checks the values; returns the problems found.</summary>
    public IEnumerable<string> Validate()
    {
        var reason = PlaybackPath is null ? "it is missing." : PublishingPointPath.Validate(PlaybackPath);
        if (reason is not null)
        {
            yield return $"{SectionName}:PlaybackPath must be a point path prefix such as 'archive': {reason}";
        }
    }
}
