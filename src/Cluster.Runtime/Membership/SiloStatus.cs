namespace Cluster.Runtime.Membership;

/// <summary>
/// Life-cycle state of a silo in the membership table (Orleans' <c>SiloStatus</c>, without the states Orleans keeps only
/// in memory). A silo moves forward only: Joining, Active, ShuttingDown, Dead.
/// </summary>
public enum SiloStatus
{
    /// <summary>Not a stored state; the default of an unset value.</summary>
    None = 0,

    /// <summary>Started and writing its row; not yet taking grain calls.</summary>
    Joining = 1,

    /// <summary>Part of the cluster: probes peers, hosts activations.</summary>
    Active = 2,

    /// <summary>Stopping gracefully: deactivating its grains, then it writes itself Dead.</summary>
    ShuttingDown = 3,

    /// <summary>Gone, by its own goodbye or declared by its peers' suspicion votes. A silo that reads itself Dead stops.</summary>
    Dead = 4,
}
