using Cluster.Contracts.PublishingPoints;
using Cluster.Grains.Clustering.PostgreSql;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Grains.Storage;

/// <summary>
/// Points' settings in the cluster's PostgreSQL database (table <c>publishing_points</c>, created by the coordination
/// store's schema migrations), one row per cluster id and path, so every silo of a cluster sees the points the admin
/// API created or changed on any of them, and clusters sharing a database never see each other's. A row whose
/// settings no longer read back is logged and treated as absent.
/// </summary>
internal sealed partial class PostgreSqlPublishingPointStore : IPublishingPointStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _clusterId;
    private readonly ILogger<PostgreSqlPublishingPointStore> _logger;

    public PostgreSqlPublishingPointStore(PostgreSqlDatabase database, string clusterId, ILogger<PostgreSqlPublishingPointStore> logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentNullException.ThrowIfNull(logger);
        _database = database;
        _clusterId = clusterId;
        _logger = logger;
    }

    public async Task<PublishingPointSettings?> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "SELECT settings::text FROM publishing_points WHERE cluster_id = @cluster_id AND path = @path");
        command.Parameters.AddWithValue("path", path);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json ? Read(path, json) : null;
    }

    public async Task SaveAsync(string path, PublishingPointSettings settings, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckSave(path, settings);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, """
            INSERT INTO publishing_points (cluster_id, path, settings, updated_at) VALUES (@cluster_id, @path, @settings, now())
            ON CONFLICT (cluster_id, path) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
            """);
        command.Parameters.AddWithValue("path", path);
        command.Parameters.Add(new NpgsqlParameter("settings", NpgsqlDbType.Jsonb) { Value = PublishingPointSettingsJson.Serialize(settings) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        PublishingPointStoreArguments.CheckPath(path);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, "DELETE FROM publishing_points WHERE cluster_id = @cluster_id AND path = @path");
        command.Parameters.AddWithValue("path", path);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<KeyValuePair<string, PublishingPointSettings>>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);

        // "C": paths in ordinal order, as the other stores list them, whatever the database's default collation.
        await using var command = Command(connection, """
            SELECT path, settings::text FROM publishing_points WHERE cluster_id = @cluster_id ORDER BY path COLLATE "C"
            """);
        var points = new List<KeyValuePair<string, PublishingPointSettings>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var path = reader.GetString(0);
            if (Read(path, reader.GetString(1)) is { } settings)
            {
                points.Add(KeyValuePair.Create(path, settings));
            }
        }

        return points;
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, string sql)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("cluster_id", _clusterId);
        return command;
    }

    private PublishingPointSettings? Read(string path, string json)
    {
        if (PublishingPointSettingsJson.TryDeserialize(json, out var settings, out var problem))
        {
            return settings;
        }

        LogRowCorrupt(path, _clusterId, problem);
        return null;
    }

    [LoggerMessage(EventId = 1805, Level = LogLevel.Warning, Message = "Publishing point {Point}: its stored settings (cluster {ClusterId}) do not read back and are ignored ({Problem})")]
    private partial void LogRowCorrupt(string point, string clusterId, string problem);
}
