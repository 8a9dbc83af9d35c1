using Cluster.Runtime.Membership;

namespace Cluster.Runtime.Catalog;

/// <summary>
/// A call reached a silo that does not hold the grain's activation and will not create one: another activation won the
/// grain directory (<see cref="Owner"/> says where), or the silo is shutting down (<see cref="Owner"/> is null). The call
/// did not run, so routing sends it again; it reaches grain callers only when re-routing gives up.
/// </summary>
internal sealed class NotHereException(GrainId grainId, SiloAddress? owner, string reason)
    : GrainCallException($"Grain {grainId} is not active on this silo: {reason}")
{
    public GrainId GrainId { get; } = grainId;

    /// <summary>Where the directory says the activation is, or null when the caller should place the grain again.</summary>
    public SiloAddress? Owner { get; } = owner;
}
