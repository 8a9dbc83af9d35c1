using Microsoft.Extensions.Logging;

namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>Source-generated log messages of the coordination store (membership table, publishing point settings).</summary>
internal static partial class PostgreSqlLog
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Coordination store schema upgraded from version {FromVersion} to {ToVersion}")]
    public static partial void SchemaUpgraded(this ILogger logger, int fromVersion, int toVersion);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Debug, Message = "Coordination store schema is at version {Version}")]
    public static partial void SchemaCurrent(this ILogger logger, int version);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Debug, Message = "Membership {Operation} of silo {Silo} lost its compare-and-swap (expected table version {TableVersion})")]
    public static partial void MembershipWriteConflict(this ILogger logger, string operation, string silo, string tableVersion);
}
