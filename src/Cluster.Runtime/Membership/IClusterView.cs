namespace Cluster.Runtime.Membership;

/// <summary>
/// What routing needs from membership, on silos (<see cref="MembershipService"/>) and on gateways that host no grains
/// (<see cref="ClientMembershipView"/>): the latest view and its changes.
/// </summary>
internal interface IClusterView
{
    /// <summary>This silo, or null in a process that hosts no grains.</summary>
    SiloAddress? LocalSilo { get; }

    /// <summary>The latest view.</summary>
    ClusterMembershipSnapshot Current { get; }

    /// <summary>Raised when a silo is added or changes status.</summary>
    event EventHandler<ClusterMembershipSnapshot>? Changed;
}
