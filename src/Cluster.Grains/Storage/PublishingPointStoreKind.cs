namespace Cluster.Grains.Storage;

/// <summary>Where publishing point settings are persisted (<c>Cluster:PublishingPoints:Store</c>).</summary>
public enum PublishingPointStoreKind
{
    /// <summary>In this process only: lost when the node stops. For tests, or a node that should forget admin changes.</summary>
    InMemory,

    /// <summary>One JSON file per point under <c>{Cluster:DataPath}/points/</c>: survives a restart of this node.</summary>
    File,

    /// <summary>
    /// The <c>publishing_points</c> table of the cluster's PostgreSQL database (connection string and cluster id of
    /// <c>Cluster:Membership</c>): every silo of the cluster sees the same points.
    /// </summary>
    PostgreSql,

    /// <summary>
    /// The <c>ClusterPublishingPoints</c> table of the cluster's Azure Storage account (connection string and cluster id
    /// of <c>Cluster:Membership</c>): every silo of the cluster sees the same points.
    /// </summary>
    AzureTable,
}
