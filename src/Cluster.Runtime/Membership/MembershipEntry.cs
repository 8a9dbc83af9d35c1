using System.Collections.Immutable;

namespace Cluster.Runtime.Membership;

/// <summary>
/// One silo's row in the membership table (Orleans' <c>MembershipEntry</c>). Immutable: change it with <c>with</c> and
/// write it back with <see cref="IMembershipTable.UpdateRow"/>. Times are UTC; the stores keep them to the microsecond.
/// </summary>
public sealed record MembershipEntry
{
    /// <summary>The silo this row is about; the row's key.</summary>
    public required SiloAddress SiloAddress { get; init; }

    /// <summary>Where the silo is in its life cycle.</summary>
    public required SiloStatus Status { get; init; }

    /// <summary>Machine name, for operators.</summary>
    public string HostName { get; init; } = "";

    /// <summary>Roles of the silo (e.g. <c>ingest</c>, <c>origin</c>, <c>gateway</c>); placement and gateways filter on them.</summary>
    public IReadOnlySet<string> Roles { get; init; } = ImmutableSortedSet<string>.Empty;

    /// <summary>When the silo process started.</summary>
    public DateTimeOffset StartTime { get; init; }

    /// <summary>Last heartbeat the silo wrote (<see cref="IMembershipTable.UpdateIAmAlive"/>); a diagnostic and a cleanup criterion, not a liveness proof.</summary>
    public DateTimeOffset IAmAliveTime { get; init; }

    /// <summary>Suspicion votes against this silo: which silo suspected it and when. Enough recent votes make it Dead.</summary>
    public IReadOnlyList<SuspectVote> SuspectTimes { get; init; } = [];

    /// <summary>A copy whose collections are the stores' own immutable ones, so a caller mutating its set later changes nothing stored.</summary>
    /// <exception cref="ArgumentException">The status is not one a row can have (the PostgreSQL table refuses it too).</exception>
    internal MembershipEntry Normalize() => Status is SiloStatus.Joining or SiloStatus.Active or SiloStatus.ShuttingDown or SiloStatus.Dead
        ? this with
        {
            Roles = ImmutableSortedSet.CreateRange(StringComparer.Ordinal, Roles),
            SuspectTimes = ImmutableArray.CreateRange(SuspectTimes),
        }
        : throw new ArgumentException($"A membership row cannot have status {Status}.");
}

/// <summary>A suspicion vote: <paramref name="Suspecter"/> missed probes to the row's silo at <paramref name="Time"/>.</summary>
/// <param name="Suspecter">The silo that voted.</param>
/// <param name="Time">When it voted (UTC).</param>
public readonly record struct SuspectVote(SiloAddress Suspecter, DateTimeOffset Time);
