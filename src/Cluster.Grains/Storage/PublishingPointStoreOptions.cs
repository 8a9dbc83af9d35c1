using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Clustering;

namespace Cluster.Grains.Storage;

/// <summary>Which <see cref="IPublishingPointStore"/> a node uses (key <c>Store</c> of section <see cref="SectionName"/>).</summary>
public sealed class PublishingPointStoreOptions
{
    /// <summary>The configuration section (shared with <see cref="PublishingPointOptions"/>).</summary>
    public const string SectionName = PublishingPointOptions.SectionName;

    /// <summary>
    /// The store; default (none given): the membership's own store, so the whole cluster shares its points
    /// (<see cref="PublishingPointStoreKind.PostgreSql"/> for <c>Cluster:Membership:Provider=PostgreSql</c>,
    /// <see cref="PublishingPointStoreKind.AzureTable"/> for <c>AzureStorage</c>), otherwise
    /// <see cref="PublishingPointStoreKind.File"/> under the node's data folder.
    /// </summary>
    public PublishingPointStoreKind? Store { get; set; }

    /// <summary>The membership settings (section <see cref="ClusterStoreOptions.SectionName"/>): the shared stores' connection string and cluster id.</summary>
    internal ClusterStoreOptions Membership { get; } = new();

    /// <summary>The node's data folder, absolute (<see cref="NodeDataPath"/>).</summary>
    internal string DataFolder { get; set; } = "";

    /// <summary>The file store's folder.</summary>
    internal string PointsFolder => Path.Combine(DataFolder, "points");

    /// <summary>The store in effect: <see cref="Store"/>, or the default it describes.</summary>
    internal PublishingPointStoreKind Resolve() => Store ?? Membership.Provider switch
    {
        ClusterStoreProvider.PostgreSql => PublishingPointStoreKind.PostgreSql,
        ClusterStoreProvider.AzureStorage => PublishingPointStoreKind.AzureTable,
        _ => PublishingPointStoreKind.File,
    };

    /// <summary>Checks the values; returns the problems found.</summary>
    internal IEnumerable<string> Validate()
    {
        if (Store is { } store && !Enum.IsDefined(store))
        {
            yield return $"{SectionName}:{nameof(Store)} must be {string.Join(", ", Enum.GetNames<PublishingPointStoreKind>())} or absent (was {store}).";
            yield break;
        }

        switch (Resolve())
        {
            case PublishingPointStoreKind.PostgreSql:
                var why = Store is null ? $"{ClusterStoreOptions.SectionName}:{nameof(ClusterStoreOptions.Provider)} is {ClusterStoreProvider.PostgreSql}" : $"{SectionName}:{nameof(Store)} is {PublishingPointStoreKind.PostgreSql}";
                if (string.IsNullOrWhiteSpace(Membership.ConnectionString))
                {
                    yield return $"{ClusterStoreOptions.SectionName}:{nameof(ClusterStoreOptions.ConnectionString)} is required: {why}.";
                }
                else if (ClusterStoreOptions.NpgsqlProblem(Membership.ConnectionString) is { } problem)
                {
                    yield return $"{ClusterStoreOptions.SectionName}:{nameof(ClusterStoreOptions.ConnectionString)} is not a valid Npgsql connection string ({why}): {problem}";
                }

                if (string.IsNullOrWhiteSpace(Membership.ClusterId) || Membership.ClusterId.Length > ClusterStoreOptions.MaxClusterIdLength)
                {
                    yield return $"{ClusterStoreOptions.SectionName}:{nameof(ClusterStoreOptions.ClusterId)} must be non-empty and at most {ClusterStoreOptions.MaxClusterIdLength} characters ({why}).";
                }

                break;
            case PublishingPointStoreKind.AzureTable:
                var reason = Store is null ? $"{ClusterStoreOptions.SectionName}:{nameof(ClusterStoreOptions.Provider)} is {ClusterStoreProvider.AzureStorage}" : $"{SectionName}:{nameof(Store)} is {PublishingPointStoreKind.AzureTable}";
                if (string.IsNullOrWhiteSpace(Membership.ConnectionString))
                {
                    yield return $"{ClusterStoreOptions.SectionName}:{nameof(ClusterStoreOptions.ConnectionString)} is required: {reason}.";
                }

                if (string.IsNullOrWhiteSpace(Membership.ClusterId) || Membership.ClusterId.Length > ClusterStoreOptions.MaxClusterIdLength)
                {
                    yield return $"{ClusterStoreOptions.SectionName}:{nameof(ClusterStoreOptions.ClusterId)} must be non-empty and at most {ClusterStoreOptions.MaxClusterIdLength} characters ({reason}).";
                }

                break;
            case PublishingPointStoreKind.File when string.IsNullOrWhiteSpace(DataFolder):
                yield return $"{NodeDataPath.Key} must name a folder for the {PublishingPointStoreKind.File} store.";
                break;
        }
    }
}
