using Npgsql;

namespace Cluster.Grains.Clustering;

/// <summary>Where the cluster's membership table is kept (<see cref="ClusterStoreOptions.Provider"/>).</summary>
public enum ClusterStoreProvider
{
    /// <summary>Orleans' development clustering on this machine: a complete single-node cluster with no other process.</summary>
    Localhost = 0,

    /// <summary>Azure Table storage (or Azurite): Orleans' own <c>Microsoft.Orleans.Clustering.AzureStorage</c> provider.</summary>
    AzureStorage = 1,

    /// <summary>A PostgreSQL database shared by every silo, with this product's own membership table on Orleans' interface.</summary>
    PostgreSql = 2,
}

/// <summary>
/// The cluster's store and failure detection (configuration section <see cref="SectionName"/>). Failure detection is
/// tuned for live video: Orleans' defaults take tens of seconds to declare a crashed silo dead, while a live point on
/// it is unreachable all that time. With these defaults a SIGKILLed silo's connections are refused at once, its probes
/// are missed within <see cref="ProbeTimeout"/> × <see cref="MissedProbesLimit"/> (3 s), and the votes are gossiped to
/// every silo at once, so it is declared dead within about 4-5 s on a LAN.
/// </summary>
public sealed class ClusterStoreOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Cluster:Membership";

    /// <summary>Longest <see cref="ClusterId"/> accepted.</summary>
    public const int MaxClusterIdLength = 128;

    /// <summary>Where the membership table is. Default: <see cref="ClusterStoreProvider.Localhost"/>.</summary>
    public ClusterStoreProvider Provider { get; set; } = ClusterStoreProvider.Localhost;

    /// <summary>
    /// The store's connection string: an Npgsql one for <see cref="ClusterStoreProvider.PostgreSql"/>, an Azure Storage
    /// one for <see cref="ClusterStoreProvider.AzureStorage"/> (<c>UseDevelopmentStorage=true</c> for Azurite's
    /// defaults). Required for both; default none. Never logged.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Orleans' cluster id: silos see only rows with their own, so several clusters can share one store. Default: <c>dev</c>.</summary>
    public string ClusterId { get; set; } = "dev";

    /// <summary>Orleans' initial probe timeout, also the period between probes of a peer. Default: 1 second.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes after which a silo votes its peer suspect. Default: 3.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>How often each silo reads the whole membership table (gossip makes most changes known sooner). Default: 2 seconds.</summary>
    public TimeSpan TableRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Checks the values; throws with every problem found, so a node with bad settings does not start.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range or missing.</exception>
    public ClusterStoreOptions Validated()
    {
        var problems = Problems().ToList();
        return problems.Count == 0 ? this : throw new InvalidOperationException($"{SectionName}: {string.Join(" ", problems)}");
    }

    private IEnumerable<string> Problems()
    {
        if (!Enum.IsDefined(Provider))
        {
            yield return $"{nameof(Provider)} must be {string.Join(", ", Enum.GetNames<ClusterStoreProvider>())} (was {Provider}).";
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || ClusterId.Length > MaxClusterIdLength)
        {
            yield return $"{nameof(ClusterId)} must be non-empty and at most {MaxClusterIdLength} characters.";
        }

        if (Provider != ClusterStoreProvider.Localhost && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return $"{nameof(ConnectionString)} is required when {nameof(Provider)} is {Provider}.";
        }
        else if (Provider == ClusterStoreProvider.PostgreSql && NpgsqlProblem(ConnectionString!) is { } problem)
        {
            yield return $"{nameof(ConnectionString)} is not a valid Npgsql connection string: {problem}";
        }

        if (ProbeTimeout < TimeSpan.FromMilliseconds(100) || ProbeTimeout > TimeSpan.FromMinutes(1))
        {
            yield return $"{nameof(ProbeTimeout)} must be between 100 ms and 1 minute (was {ProbeTimeout}).";
        }

        if (MissedProbesLimit is < 1 or > 100)
        {
            yield return $"{nameof(MissedProbesLimit)} must be between 1 and 100 (was {MissedProbesLimit}).";
        }

        if (TableRefreshInterval < TimeSpan.FromMilliseconds(100) || TableRefreshInterval > TimeSpan.FromHours(1))
        {
            yield return $"{nameof(TableRefreshInterval)} must be between 100 ms and 1 hour (was {TableRefreshInterval}).";
        }
    }

    /// <summary>Why an Npgsql connection string does not parse, without echoing it (it may hold a password); null when it does.</summary>
    internal static string? NpgsqlProblem(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
