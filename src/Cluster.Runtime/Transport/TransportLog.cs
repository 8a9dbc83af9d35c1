using Microsoft.Extensions.Logging;

namespace Cluster.Runtime.Transport;

/// <summary>Source-generated log messages of the silo-to-silo transport.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Grain call {CallId} {GrainId}.{Method} to silo {Silo} failed: silo unavailable")]
    public static partial void SiloUnreachable(this ILogger logger, string callId, GrainId grainId, string method, string silo, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Grain call {CallId} {GrainId}.{Method} to silo {Silo} timed out after {Timeout}")]
    public static partial void RemoteCallTimedOut(this ILogger logger, string callId, GrainId grainId, string method, string silo, TimeSpan timeout);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Remote grain call {CallId} for {GrainId}.{Method}: no such grain type or method on this silo")]
    public static partial void RemoteCallNotFound(this ILogger logger, string callId, GrainId grainId, string method);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Remote grain call {CallId} for {GrainId}.{Method} could not be decoded")]
    public static partial void RemoteCallMalformed(this ILogger logger, string callId, GrainId grainId, string method, Exception exception);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Remote grain call {CallId} for {GrainId}.{Method} missed its deadline before delivery")]
    public static partial void RemoteCallDeadlineExceeded(this ILogger logger, string callId, GrainId grainId, string method);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "Remote grain call {CallId} for {GrainId}.{Method} abandoned: the caller disconnected")]
    public static partial void RemoteCallAbandoned(this ILogger logger, string callId, GrainId grainId, string method);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "Remote grain call {CallId} for {GrainId}.{Method} threw {ExceptionType}")]
    public static partial void RemoteCallFailed(this ILogger logger, string callId, GrainId grainId, string method, string? exceptionType);
}
