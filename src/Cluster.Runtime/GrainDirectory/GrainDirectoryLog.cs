using Microsoft.Extensions.Logging;

namespace Cluster.Runtime.GrainDirectory;

/// <summary>Source-generated log messages of grain location and registration.</summary>
internal static partial class GrainDirectoryLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Replacing directory entry {Entry}: its silo is dead or the activation has ended")]
    public static partial void ReplacingDeadEntry(this ILogger logger, GrainAddress entry);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Debug, Message = "Grain {GrainId} not activated here: {Winner} registered first; its calls are forwarded")]
    public static partial void RegistrationLost(this ILogger logger, GrainId grainId, GrainAddress winner);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Information, Message = "Removed the directory entries of dead silos {Silos}")]
    public static partial void DeadSilosUnregistered(this ILogger logger, string silos);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "Removing the directory entries of dead silos {Silos} failed; each is replaced when its grain is next activated")]
    public static partial void DeadSilosUnregisterFailed(this ILogger logger, string silos, Exception exception);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Warning, Message = "Removing the directory entry of grain {GrainId} after its deactivation failed; the next activation of the grain replaces it")]
    public static partial void UnregisterFailed(this ILogger logger, GrainId grainId, Exception exception);
}
