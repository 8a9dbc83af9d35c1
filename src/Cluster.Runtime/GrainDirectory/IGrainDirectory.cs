using Cluster.Runtime.Membership;

namespace Cluster.Runtime.GrainDirectory;

/// <summary>
/// The cluster's grain directory (Orleans' <c>IGrainDirectory</c>): at most one entry per grain, so at most one
/// activation. A silo registers before it activates; if another activation won, it drops its own and forwards the call
/// to the winner. Implementations are thread-safe and shared by every silo of the cluster.
/// </summary>
public interface IGrainDirectory
{
    /// <summary>
    /// Registers <paramref name="address"/> unless the grain already has an entry. An existing entry is replaced only when
    /// <paramref name="previousAddress"/> is given and <see cref="GrainAddress.Matches">matches</see> it (the caller has
    /// found it points at a dead silo); otherwise it stays.
    /// </summary>
    /// <returns>The entry after the call: <paramref name="address"/> when it was registered, else the entry that won.</returns>
    Task<GrainAddress> Register(GrainAddress address, GrainAddress? previousAddress = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the grain's entry only if it is this activation (same <see cref="GrainAddress.ActivationId"/>); a later activation's entry stays.</summary>
    Task Unregister(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>The grain's entry, or null when it has none.</summary>
    Task<GrainAddress?> Lookup(GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>Removes every entry pointing at one of <paramref name="silos"/> (silos declared dead), exactly those generations.</summary>
    Task UnregisterSilos(IEnumerable<SiloAddress> silos, CancellationToken cancellationToken = default);
}
