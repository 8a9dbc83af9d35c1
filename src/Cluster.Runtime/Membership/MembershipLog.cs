using Microsoft.Extensions.Logging;

namespace Cluster.Runtime.Membership;

/// <summary>Source-generated log messages of the membership protocol.</summary>
internal static partial class MembershipLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Silo {Silo} joining the cluster (table version {TableVersion})")]
    public static partial void Joining(this ILogger logger, SiloAddress silo, TableVersion tableVersion);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Silo {Silo} is now {Status}")]
    public static partial void StatusWritten(this ILogger logger, SiloAddress silo, SiloStatus status);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Debug, Message = "Membership write about silo {Silo} lost its compare-and-swap (attempt {Attempt}); re-reading")]
    public static partial void WriteConflict(this ILogger logger, SiloAddress silo, int attempt);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Debug, Message = "Probe of silo {Silo} missed ({Missed} in a row)")]
    public static partial void ProbeMissed(this ILogger logger, SiloAddress silo, int missed);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Warning, Message = "Silo {Silo} missed {Missed} probes in a row; voted it suspect ({Votes} of {Required} votes needed)")]
    public static partial void Suspected(this ILogger logger, SiloAddress silo, int missed, int votes, int required);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Warning, Message = "Declared silo {Silo} dead with {Votes} suspicion votes ({Suspecters})")]
    public static partial void DeclaredDead(this ILogger logger, SiloAddress silo, int votes, string suspecters);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Critical, Message = "This silo {Silo} reads itself {Reason} in the membership table (suspected by {Suspecters}); stopping the host")]
    public static partial void OwnRowDead(this ILogger logger, SiloAddress silo, string reason, string suspecters);

    [LoggerMessage(EventId = 1607, Level = LogLevel.Error, Message = "Membership {Round} failed; retrying at the next interval")]
    public static partial void RoundFailed(this ILogger logger, string round, Exception exception);

    [LoggerMessage(EventId = 1608, Level = LogLevel.Warning, Message = "Silo {Silo} did not answer the join-time connectivity probe; joining anyway, failure detection decides")]
    public static partial void ConnectivityCheckFailed(this ILogger logger, SiloAddress silo);

    [LoggerMessage(EventId = 1609, Level = LogLevel.Information, Message = "Declared silo {Silo} dead: an earlier generation on this silo's endpoint")]
    public static partial void OldGenerationDead(this ILogger logger, SiloAddress silo);

    [LoggerMessage(EventId = 1610, Level = LogLevel.Warning, Message = "Graceful leave of silo {Silo} did not finish before the shutdown deadline; peers will declare it dead")]
    public static partial void LeaveAbandoned(this ILogger logger, SiloAddress silo, Exception exception);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Error, Message = "A membership Changed handler threw")]
    public static partial void ChangedHandlerFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1612, Level = LogLevel.Warning, Message = "Cleaning up defunct membership rows failed")]
    public static partial void CleanupFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1613, Level = LogLevel.Debug, Message = "Probe of silo {Silo} answered {StatusCode}")]
    public static partial void ProbeRejected(this ILogger logger, SiloAddress silo, int statusCode);

    [LoggerMessage(EventId = 1614, Level = LogLevel.Debug, Message = "Probe of silo {Silo} failed: {Reason}")]
    public static partial void ProbeFailed(this ILogger logger, SiloAddress silo, string reason);

    [LoggerMessage(EventId = 1615, Level = LogLevel.Warning, Message = "Silo {Silo} simulated a crash: timers stopped, nothing written")]
    public static partial void Crashed(this ILogger logger, SiloAddress silo);

    [LoggerMessage(EventId = 1616, Level = LogLevel.Warning, Message = "Reading the membership table for this gateway's view failed; the previous view stays")]
    public static partial void ClientRefreshFailed(this ILogger logger, Exception exception);
}
