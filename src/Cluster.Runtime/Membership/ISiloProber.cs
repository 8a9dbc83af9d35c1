namespace Cluster.Runtime.Membership;

/// <summary>Checks that a peer silo, that exact generation, is alive (one probe of Orleans' <c>SiloHealthMonitor</c>).</summary>
public interface ISiloProber
{
    /// <summary>
    /// Probes <paramref name="target"/> once. True only when the silo at <see cref="SiloAddress.Endpoint"/> answered and is
    /// the generation <see cref="SiloAddress.Generation"/>; false when it did not answer, refused, or is another generation.
    /// Does not throw for a failed probe; the membership protocol bounds it with <see cref="MembershipOptions.ProbeTimeout"/>.
    /// </summary>
    Task<bool> ProbeAsync(SiloAddress target, CancellationToken cancellationToken);
}
