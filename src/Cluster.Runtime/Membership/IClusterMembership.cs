namespace Cluster.Runtime.Membership;

/// <summary>
/// This silo's view of the cluster, kept up to date by the membership protocol (Orleans' <c>IClusterMembershipService</c>):
/// refreshed from the membership table every <see cref="MembershipOptions.TableRefreshInterval"/> and after every write
/// of this silo.
/// </summary>
public interface IClusterMembership
{
    /// <summary>This silo: its endpoint and generation (start time in UTC ticks).</summary>
    SiloAddress LocalSilo { get; }

    /// <summary>The latest view; replaced, never changed, when the membership changes.</summary>
    ClusterMembershipSnapshot Current { get; }

    /// <summary>Silos that are <see cref="SiloStatus.Active"/> in <see cref="Current"/>, ordered by address.</summary>
    IReadOnlyList<MembershipEntry> ActiveSilos { get; }

    /// <summary>The table version <see cref="Current"/> was read at.</summary>
    MembershipVersion Version { get; }

    /// <summary>
    /// Raised with the new view whenever it differs from the previous one (a row added or its status changed).
    /// Handlers run on the protocol's thread and must be quick; exceptions they throw are logged and ignored.
    /// </summary>
    event EventHandler<ClusterMembershipSnapshot>? Changed;
}

/// <summary>One consistent view of the membership table.</summary>
/// <param name="Version">The table version the rows were read at.</param>
/// <param name="Members">Every row (any status), ordered by silo address.</param>
public sealed record ClusterMembershipSnapshot(MembershipVersion Version, IReadOnlyList<MembershipEntry> Members)
{
    /// <summary>Before the table was first read.</summary>
    public static readonly ClusterMembershipSnapshot Empty = new(MembershipVersion.MinValue, []);

    /// <summary>Silos that are <see cref="SiloStatus.Active"/>, ordered by address.</summary>
    public IReadOnlyList<MembershipEntry> ActiveSilos { get; } = [.. Members.Where(m => m.Status == SiloStatus.Active)];

    /// <summary>The view a read of the table gives.</summary>
    public static ClusterMembershipSnapshot From(MembershipTableData read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new(new MembershipVersion(read.Version.Version), [.. read.Members.Select(r => r.Entry)]);
    }

    /// <summary>Whether both views list the same silos with the same statuses.</summary>
    public bool HasSameStatuses(ClusterMembershipSnapshot other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Members.Count == other.Members.Count
            && Members.Zip(other.Members).All(p => p.First.SiloAddress == p.Second.SiloAddress && p.First.Status == p.Second.Status);
    }

    /// <summary>The status of <paramref name="silo"/> in this view; <see cref="SiloStatus.None"/> when it has no row.</summary>
    public SiloStatus GetStatus(SiloAddress silo)
    {
        foreach (var member in Members)
        {
            if (member.SiloAddress == silo)
            {
                return member.Status;
            }
        }

        return SiloStatus.None;
    }
}
