namespace Cluster.Runtime.Membership;

/// <summary>
/// The membership table of one cluster (the <see cref="ClusterStorageOptions.ClusterId"/> it was created for), Orleans'
/// <c>IMembershipTable</c>: one row per silo plus a table version. Inserts and updates are compare-and-swap operations on
/// the table version (and, for updates, the row's etag), so of several silos writing from the same read exactly one wins
/// and the others re-read and retry. Implementations are thread-safe and shared by every silo of the cluster.
/// </summary>
public interface IMembershipTable
{
    /// <summary>
    /// Prepares the store for use (creates or upgrades the schema where there is one). Idempotent; the other operations
    /// call it themselves when needed, so calling it only makes start-up fail early when the store is unreachable.
    /// </summary>
    Task InitializeMembershipTable(CancellationToken cancellationToken = default);

    /// <summary>Reads every row and the table version in one consistent snapshot.</summary>
    Task<MembershipTableData> ReadAll(CancellationToken cancellationToken = default);

    /// <summary>Reads the row of <paramref name="silo"/> (none or one) and the table version in one consistent snapshot.</summary>
    Task<MembershipTableData> ReadRow(SiloAddress silo, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the row of a silo that has none, if the table is still at the version <paramref name="tableVersion"/> was made
    /// from (pass <c>read.Version.Next()</c>); the table then is at <paramref name="tableVersion"/>.
    /// </summary>
    /// <returns>False, with nothing written, when the table version moved on or the silo already has a row.</returns>
    Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the row of <paramref name="entry"/>'s silo, if the row still has <paramref name="etag"/> and the table is
    /// still at the version <paramref name="tableVersion"/> was made from (pass <c>read.Version.Next()</c>).
    /// </summary>
    /// <returns>False, with nothing written, when either moved on or the row does not exist.</returns>
    Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <see cref="MembershipEntry.IAmAliveTime"/> of <paramref name="entry"/>'s row and nothing else: no version or
    /// etag change, so heartbeats never make status changes fail. Does nothing when the row does not exist.
    /// </summary>
    Task UpdateIAmAlive(MembershipEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the rows of silos that are not <see cref="SiloStatus.Active"/> and whose last heartbeat is before
    /// <paramref name="beforeDate"/> (Orleans' defunct-silo cleanup), so the table does not grow with every restart.
    /// The table version does not change.
    /// </summary>
    Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate, CancellationToken cancellationToken = default);

    /// <summary>Deletes every row and the version of the cluster <paramref name="clusterId"/> (any cluster in the same store, not only this one).</summary>
    Task DeleteMembershipTableEntries(string clusterId, CancellationToken cancellationToken = default);
}
