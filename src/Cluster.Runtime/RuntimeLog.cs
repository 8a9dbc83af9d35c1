using Microsoft.Extensions.Logging;

namespace Cluster.Runtime;

/// <summary>Source-generated log messages of the runtime.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Activated grain {GrainId}")]
    public static partial void ActivationCreated(this ILogger logger, GrainId grainId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Activation of grain {GrainId} failed; calls waiting for it fail and the next call tries a new activation")]
    public static partial void ActivationFailed(this ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Deactivated grain {GrainId} ({Reason})")]
    public static partial void ActivationDeactivated(this ILogger logger, GrainId grainId, DeactivationReason reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "OnDeactivateAsync of grain {GrainId} ({Reason}) threw; the activation is discarded anyway")]
    public static partial void DeactivationFailed(this ILogger logger, GrainId grainId, DeactivationReason reason, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "OnDeactivateAsync of grain {GrainId} ({Reason}) did not finish within {Timeout}; the activation is abandoned")]
    public static partial void DeactivationTimedOut(this ILogger logger, GrainId grainId, DeactivationReason reason, TimeSpan timeout);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Idle collection deactivating {Count} activations")]
    public static partial void IdleCollection(this ILogger logger, int count);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Deactivating {Count} activations for shutdown")]
    public static partial void ShuttingDown(this ILogger logger, int count);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Shutdown stopped waiting for {Count} activations to deactivate")]
    public static partial void ShutdownAbandoned(this ILogger logger, int count);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Idle collection failed")]
    public static partial void IdleCollectionFailed(this ILogger logger, Exception exception);
}
