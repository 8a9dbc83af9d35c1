using Microsoft.Extensions.Options;

namespace Cluster.Runtime.Membership;

/// <summary>
/// Settings of the membership protocol that runs in every silo on top of <see cref="IMembershipTable"/> (Orleans'
/// <c>ClusterMembershipOptions</c>), read from the same section as the table's settings, <see cref="SectionName"/>.
/// </summary>
/// <remarks>
/// <para>
/// Detection bound: a silo that crashes is written <see cref="SiloStatus.Dead"/> by its peers about
/// <see cref="ProbeInterval"/> × <see cref="MissedProbesLimit"/> after its last answered probe (plus
/// <see cref="ProbeTimeout"/> when probes hang instead of being refused), and every other silo sees it within a further
/// <see cref="TableRefreshInterval"/>. With the defaults that is about 3 s + 1 s = 4 s (5 s with hanging probes), so
/// measured from the crash at most about ProbeInterval × MissedProbesLimit + TableRefreshInterval + one ProbeInterval
/// for the phase of the probe timer.
/// </para>
/// <para>
/// The votes needed are capped by the number of other <see cref="SiloStatus.Active"/> silos (the suspected one not
/// counted), so a two-silo cluster can still declare its peer dead with one vote.
/// </para>
/// </remarks>
public sealed class MembershipOptions
{
    /// <summary>The configuration section these options are read from (shared with <see cref="ClusterMembershipOptions"/>).</summary>
    public const string SectionName = ClusterMembershipOptions.SectionName;

    /// <summary>Largest interval or age accepted (timers cannot span more than about 49 days).</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>Largest <see cref="MissedProbesLimit"/> accepted.</summary>
    public const int MaxMissedProbesLimit = 1000;

    /// <summary>How often every other active silo is probed. Default: 1 second.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one probe may take before it counts as missed. Default: 1 second.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive missed probes after which this silo votes the target suspect. Default: 3; at most <see cref="MaxMissedProbesLimit"/>.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// Unexpired votes (this silo's included) that make a silo Dead. Default: 2; capped by the number of other active
    /// silos, so a two-silo cluster needs one.
    /// </summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>Age after which a suspicion vote no longer counts and is dropped at the next write of the row. Default: 30 seconds.</summary>
    public TimeSpan DeathVoteExpiration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often this silo writes its heartbeat (<see cref="MembershipEntry.IAmAliveTime"/>). Default: 5 seconds.</summary>
    public TimeSpan IAmAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the table is read to refresh this silo's view of the cluster. Default: 1 second.</summary>
    public TimeSpan TableRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Rows of silos that are not active and whose last heartbeat is older than this are deleted when a silo starts.
    /// Default: 1 hour.
    /// </summary>
    public TimeSpan DefunctSiloCleanupAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Probe peers over HTTP/2 without TLS (prior knowledge, exact version), which needs Kestrel endpoints limited to
    /// HTTP/2, as the silo endpoint is (it carries grain calls too). Default: true; false probes over HTTP/1.1.
    /// </summary>
    public bool ProbeOverHttp2 { get; set; } = true;

    /// <summary>
    /// The documented detection bound: <see cref="ProbeInterval"/> × <see cref="MissedProbesLimit"/> +
    /// <see cref="TableRefreshInterval"/>, counted from the last answered probe.
    /// </summary>
    public TimeSpan DetectionBound => (ProbeInterval * MissedProbesLimit) + TableRefreshInterval;
}

/// <summary>Checks <see cref="MembershipOptions"/> at start-up.</summary>
internal sealed class MembershipOptionsValidator : IValidateOptions<MembershipOptions>
{
    public ValidateOptionsResult Validate(string? name, MembershipOptions options)
    {
        var problems = new List<string>();
        CheckInterval(problems, nameof(MembershipOptions.ProbeInterval), options.ProbeInterval);
        CheckInterval(problems, nameof(MembershipOptions.ProbeTimeout), options.ProbeTimeout);
        CheckInterval(problems, nameof(MembershipOptions.DeathVoteExpiration), options.DeathVoteExpiration);
        CheckInterval(problems, nameof(MembershipOptions.IAmAliveInterval), options.IAmAliveInterval);
        CheckInterval(problems, nameof(MembershipOptions.TableRefreshInterval), options.TableRefreshInterval);
        if (options.DefunctSiloCleanupAge <= TimeSpan.Zero)
        {
            problems.Add($"{nameof(MembershipOptions.DefunctSiloCleanupAge)} must be positive (was {options.DefunctSiloCleanupAge}).");
        }

        if (options.MissedProbesLimit is < 1 or > MembershipOptions.MaxMissedProbesLimit)
        {
            problems.Add($"{nameof(MembershipOptions.MissedProbesLimit)} must be between 1 and {MembershipOptions.MaxMissedProbesLimit} (was {options.MissedProbesLimit}).");
        }

        if (options.NumVotesForDeathDeclaration < 1)
        {
            problems.Add($"{nameof(MembershipOptions.NumVotesForDeathDeclaration)} must be at least 1 (was {options.NumVotesForDeathDeclaration}).");
        }

        if (problems.Count == 0 && options.DeathVoteExpiration <= options.ProbeInterval * options.MissedProbesLimit)
        {
            problems.Add($"{nameof(MembershipOptions.DeathVoteExpiration)} must be longer than {nameof(MembershipOptions.ProbeInterval)} × {nameof(MembershipOptions.MissedProbesLimit)}, or votes expire before a second suspecter can add its own (was {options.DeathVoteExpiration}).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void CheckInterval(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value > MembershipOptions.MaxInterval)
        {
            problems.Add($"{name} must be positive and at most {MembershipOptions.MaxInterval} (was {value}).");
        }
    }
}
