using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>
/// One coordination database: the pooled <see cref="NpgsqlDataSource"/> and the once-per-process schema check. The
/// membership table and the grain directory share one when their connection strings are equal.
/// </summary>
internal sealed class PostgreSqlStore : IAsyncDisposable, IDisposable
{
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public PostgreSqlStore(string connectionString, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(logger);
        DataSource = NpgsqlDataSource.Create(connectionString);
        _logger = logger;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// A connection to a database whose schema is current. The first call creates or upgrades the schema; a failure is
    /// not remembered, so the next call tries again (the database may come up after the silo).
    /// </summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the tables or applies the missing migrations; idempotent and safe with several processes at once.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await MigrateAsync(cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    public void Dispose()
    {
        DataSource.Dispose();
        _schemaGate.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync().ConfigureAwait(false);
        _schemaGate.Dispose();
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", PostgreSqlSchema.MigrationLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var create = new NpgsqlCommand(PostgreSqlSchema.CreateVersionTable, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int current;
        await using (var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM cluster_schema_version", connection, transaction))
        {
            current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (current > PostgreSqlSchema.LatestVersion)
        {
            // A newer build migrated this database; running older code against it could corrupt the protocol.
            throw new InvalidOperationException($"The coordination database is at schema version {current}, newer than this build's {PostgreSqlSchema.LatestVersion}; upgrade the silo.");
        }

        foreach (var (version, description, sql) in PostgreSqlSchema.Migrations.Where(m => m.Version > current))
        {
            await using var migrate = new NpgsqlCommand(sql, connection, transaction);
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand("INSERT INTO cluster_schema_version (version, description) VALUES (@version, @description)", connection, transaction);
            record.Parameters.AddWithValue("version", version);
            record.Parameters.AddWithValue("description", description);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (current < PostgreSqlSchema.LatestVersion)
        {
            _logger.SchemaUpgraded(current, PostgreSqlSchema.LatestVersion);
        }
        else
        {
            _logger.SchemaCurrent(current);
        }
    }
}
