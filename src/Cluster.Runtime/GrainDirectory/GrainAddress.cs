using Cluster.Runtime.Membership;

namespace Cluster.Runtime.GrainDirectory;

/// <summary>
/// Where a grain is active (Orleans' <c>GrainAddress</c>): the grain directory's entry for it.
/// </summary>
/// <param name="GrainId">The grain.</param>
/// <param name="SiloAddress">The silo holding the activation.</param>
/// <param name="ActivationId">The activation; a new one for every activation, so an old activation cannot remove its successor's entry.</param>
/// <param name="MembershipVersion">The membership version the registering silo had seen; tells entries made before a silo was declared dead from later ones.</param>
public sealed record GrainAddress(GrainId GrainId, SiloAddress SiloAddress, Guid ActivationId, MembershipVersion MembershipVersion)
{
    /// <summary>Same grain, silo and activation (the membership version is not compared): the entry names the same activation.</summary>
    public bool Matches(GrainAddress? other) =>
        other is not null && GrainId == other.GrainId && SiloAddress == other.SiloAddress && ActivationId == other.ActivationId;

    /// <inheritdoc/>
    public override string ToString() => $"[{GrainId} on {SiloAddress} activation {ActivationId:N} at membership {MembershipVersion}]";
}
