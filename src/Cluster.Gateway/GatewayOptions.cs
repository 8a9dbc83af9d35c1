using Cluster.Media.Smooth;

namespace Cluster.Gateway;

/// <summary>HTTP gateway limits (configuration section <c>Cluster:Gateway</c>).</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:Gateway";

    /// <summary>Most encoder connections pushing at once to this gateway; more answer 503. Default 1,000.</summary>
    public int MaxConcurrentIngestConnections { get; set; } = 1000;

    /// <summary>Box and track limits applied to every ingest connection (defaults: see <see cref="IngestLimits"/>).</summary>
    public IngestLimits Ingest { get; set; } = new();

    /// <summary>Seconds a live manifest may be cached by players and CDNs. Default 1.</summary>
    public int LiveManifestMaxAgeSeconds { get; set; } = 1;

    /// <summary>
    /// How long a request for the fragment just after the live edge waits for it to arrive before answering 404.
    /// Default zero: answer at once, as IIS does.
    /// </summary>
    public TimeSpan FragmentWaitTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Bytes of immutable fragment and segment responses the gateway keeps in memory and serves without asking the track
    /// grain (least recently used go first). Default 256 MiB; zero disables the cache.
    /// </summary>
    public long ResponseCacheSize { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How long the gateway reuses what a publishing point grain told it: manifests and playlists (so a crowd of players
    /// costs one grain call per manifest per period, and a live manifest is at most this stale) and the point's session,
    /// which cached fragments are filed under (a restarted session is noticed within this period). Default 1 second;
    /// zero asks the grain on every request.
    /// </summary>
    public TimeSpan ManifestCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks the values; returns the problems found.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxConcurrentIngestConnections < 1)
        {
            yield return "Cluster:Gateway:MaxConcurrentIngestConnections must be at least 1.";
        }

        if (FragmentWaitTimeout < TimeSpan.Zero || FragmentWaitTimeout > TimeSpan.FromSeconds(30))
        {
            yield return "Cluster:Gateway:FragmentWaitTimeout must be between 0 and 30 seconds.";
        }

        if (LiveManifestMaxAgeSeconds < 0)
        {
            yield return "Cluster:Gateway:LiveManifestMaxAgeSeconds must not be negative.";
        }

        if (ResponseCacheSize < 0)
        {
            yield return "Cluster:Gateway:ResponseCacheSize must not be negative.";
        }

        if (ManifestCacheDuration < TimeSpan.Zero)
        {
            yield return "Cluster:Gateway:ManifestCacheDuration must not be negative.";
        }

        string? ingestProblem = null;
        try
        {
            Ingest.Validate();
        }
        catch (ArgumentException e)
        {
            ingestProblem = $"Cluster:Gateway:Ingest: {e.Message}";
        }

        if (ingestProblem is not null)
        {
            yield return ingestProblem;
        }
    }
}
