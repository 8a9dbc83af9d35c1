namespace Cluster.Runtime.Membership;

/// <summary>A consistent read of a cluster's membership table (Orleans' <c>MembershipTableData</c>): rows and the table version they belong to.</summary>
/// <param name="Members">The rows read, ordered by silo address.</param>
/// <param name="Version">The table version at the time of the read; pass <c>Version.Next()</c> to a write based on this read.</param>
public sealed record MembershipTableData(IReadOnlyList<MembershipRow> Members, TableVersion Version)
{
    /// <summary>The row of <paramref name="silo"/>, or null when it has none.</summary>
    public MembershipRow? TryGet(SiloAddress silo)
    {
        foreach (var row in Members)
        {
            if (row.Entry.SiloAddress == silo)
            {
                return row;
            }
        }

        return null;
    }
}

/// <summary>A membership row with its etag.</summary>
/// <param name="Entry">The row.</param>
/// <param name="ETag">Opaque tag of this version of the row; <see cref="IMembershipTable.UpdateRow"/> succeeds only while it is current.</param>
public readonly record struct MembershipRow(MembershipEntry Entry, string ETag);
