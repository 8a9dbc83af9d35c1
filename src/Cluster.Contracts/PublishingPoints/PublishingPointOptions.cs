namespace Cluster.Contracts.PublishingPoints;

/// <summary>Publishing point behaviour for the whole node (configuration section <c>Cluster:PublishingPoints</c>).</summary>
public sealed class PublishingPointOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:PublishingPoints";

    /// <summary>Whether a push to an unknown path creates and starts a point (IIS's "start on first client request"). Default true.</summary>
    public bool AutoCreate { get; set; } = true;

    /// <summary>
    /// Most points one client address may create by pushing per hour (counted per gateway); past it a push to a new path
    /// answers 429. Default 100.
    /// </summary>
    public int MaxAutoCreatedPointsPerClient { get; set; } = 100;

    /// <summary>Most tracks one point accepts, over all its encoder connections. Default 32.</summary>
    public int MaxTracksPerPoint { get; set; } = 32;

    /// <summary>Most points with a live session on one silo; a push that would start one more answers 503 with Retry-After. Default 1,000.</summary>
    public int MaxLivePointsPerNode { get; set; } = 1000;

    /// <summary>
    /// Fragment bytes one silo's DVR windows may hold before a push that would start a new live point answers 503 with
    /// Retry-After (points already live go on). Default 0: three quarters of the memory available to the process.
    /// </summary>
    public long MaxDvrBytesPerNode { get; set; }

    /// <summary><see cref="MaxDvrBytesPerNode"/>, or its default worked out.</summary>
    public long EffectiveMaxDvrBytesPerNode =>
        MaxDvrBytesPerNode > 0 ? MaxDvrBytesPerNode : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4 * 3;

    /// <summary>Settings of points created without their own (auto-created, or admin API without a body).</summary>
    public PublishingPointSettings Defaults { get; set; } = new();

    /// <summary>
    /// A folder of IIS publishing point definition files (<c>{path}.isml</c>, see <see cref="IisPublishingPointDefinition"/>),
    /// read at start-up: <c>{folder}/live/event1.isml</c> defines point <c>live/event1</c> over <see cref="Defaults"/>.
    /// A point also listed in <see cref="Points"/> keeps those settings. Default none.
    /// </summary>
    public string? DefinitionsFolder { get; set; }

    /// <summary>Points that exist from start-up, by path (e.g. <c>live/event1</c>), with their settings.</summary>
    public Dictionary<string, PublishingPointSettings> Points { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Checks the values; returns the problems found.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxTracksPerPoint is < 1 or > 1024)
        {
            yield return "Cluster:PublishingPoints:MaxTracksPerPoint must be between 1 and 1024.";
        }

        if (MaxAutoCreatedPointsPerClient < 0)
        {
            yield return "Cluster:PublishingPoints:MaxAutoCreatedPointsPerClient must not be negative.";
        }

        if (MaxLivePointsPerNode < 1)
        {
            yield return "Cluster:PublishingPoints:MaxLivePointsPerNode must be at least 1.";
        }

        if (MaxDvrBytesPerNode < 0)
        {
            yield return "Cluster:PublishingPoints:MaxDvrBytesPerNode must not be negative (0 means the default).";
        }

        if (Defaults.Validate() is { } reason)
        {
            yield return $"Cluster:PublishingPoints:Defaults: {reason}";
        }

        foreach (var (path, settings) in Points)
        {
            if (PublishingPointPath.Validate(path) is { } pathReason)
            {
                yield return $"Cluster:PublishingPoints:Points:{path}: {pathReason}";
            }

            if (settings.Validate() is { } settingsReason)
            {
                yield return $"Cluster:PublishingPoints:Points:{path}: {settingsReason}";
            }
        }
    }
}
