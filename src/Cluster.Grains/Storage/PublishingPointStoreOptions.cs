using Cluster.Contracts.PublishingPoints;
using Cluster.Runtime.Membership;
using Npgsql;

namespace Cluster.Grains.Storage;

/// <summary>Which <see cref="IPublishingPointStore"/> a node uses (key <c>Store</c> of section <see cref="SectionName"/>).</summary>
public sealed class PublishingPointStoreOptions
{
    /// <summary>The configuration section (shared with <see cref="PublishingPointOptions"/>).</summary>
    public const string SectionName = PublishingPointOptions.SectionName;

    /// <summary>
    /// The store; default (none given): <see cref="PublishingPointStoreKind.PostgreSql"/> when the membership table is in
    /// PostgreSQL (<c>Cluster:Membership:Provider=PostgreSql</c>), so the whole cluster shares its points, otherwise
    /// <see cref="PublishingPointStoreKind.File"/> under the node's data folder.
    /// </summary>
    public PublishingPointStoreKind? Store { get; set; }

    /// <summary>The membership settings (section <see cref="ClusterMembershipOptions.SectionName"/>): the PostgreSQL store's connection string and cluster id.</summary>
    internal ClusterMembershipOptions Membership { get; } = new();

    /// <summary>The node's data folder, absolute (<see cref="NodeDataPath"/>).</summary>
    internal string DataFolder { get; set; } = "";

    /// <summary>The file store's folder.</summary>
    internal string PointsFolder => Path.Combine(DataFolder, "points");

    /// <summary>The store in effect: <see cref="Store"/>, or the default it describes.</summary>
    internal PublishingPointStoreKind Resolve() =>
        Store ?? (Membership.Provider == ClusterStorageProvider.PostgreSql ? PublishingPointStoreKind.PostgreSql : PublishingPointStoreKind.File);

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
                var why = Store is null ? $"{ClusterMembershipOptions.SectionName}:{nameof(ClusterStorageOptions.Provider)} is {ClusterStorageProvider.PostgreSql}" : $"{SectionName}:{nameof(Store)} is {PublishingPointStoreKind.PostgreSql}";
                if (string.IsNullOrWhiteSpace(Membership.ConnectionString))
                {
                    yield return $"{ClusterMembershipOptions.SectionName}:{nameof(ClusterStorageOptions.ConnectionString)} is required: {why}.";
                }
                else if (ConnectionStringProblem(Membership.ConnectionString) is { } problem)
                {
                    yield return $"{ClusterMembershipOptions.SectionName}:{nameof(ClusterStorageOptions.ConnectionString)} is not a valid Npgsql connection string ({why}): {problem}";
                }

                if (string.IsNullOrWhiteSpace(Membership.ClusterId) || Membership.ClusterId.Length > ClusterStorageOptions.MaxClusterIdLength)
                {
                    yield return $"{ClusterMembershipOptions.SectionName}:{nameof(ClusterStorageOptions.ClusterId)} must be non-empty and at most {ClusterStorageOptions.MaxClusterIdLength} characters ({why}).";
                }

                break;
            case PublishingPointStoreKind.File when string.IsNullOrWhiteSpace(DataFolder):
                yield return $"{NodeDataPath.Key} must name a folder for the {PublishingPointStoreKind.File} store.";
                break;
        }
    }

    private static string? ConnectionStringProblem(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException ex)
        {
            // The message names the bad keyword but never echoes the string, which may hold a password.
            return ex.Message;
        }
    }
}
