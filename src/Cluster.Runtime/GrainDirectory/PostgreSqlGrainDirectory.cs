using Cluster.Runtime.Membership;
using Cluster.Runtime.PostgreSql;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Runtime.GrainDirectory;

/// <summary>
/// The grain directory in PostgreSQL (<c>cluster_grain_directory</c>, one row per grain and cluster). Registration is a
/// conditional insert (<c>ON CONFLICT DO NOTHING</c>): the primary key lets exactly one of concurrent registrations in,
/// and the others read the winner. Replacing and removing are conditional on the activation in the row, so each
/// operation is one atomic statement and needs no explicit transaction.
/// </summary>
internal sealed class PostgreSqlGrainDirectory : IGrainDirectory
{
    private const string Columns = "silo_endpoint, silo_generation, activation_id, membership_version";

    private readonly PostgreSqlStore _store;
    private readonly string _clusterId;
    private readonly ILogger _logger;

    public PostgreSqlGrainDirectory(PostgreSqlStore store, string clusterId, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _clusterId = clusterId;
        _logger = logger;
    }

    public async Task<GrainAddress> Register(GrainAddress address, GrainAddress? previousAddress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (previousAddress is not null && previousAddress.GrainId == address.GrainId)
        {
            await using var replace = Command(connection, address.GrainId, $"""
                UPDATE cluster_grain_directory
                SET silo_endpoint = @silo_endpoint, silo_generation = @silo_generation, activation_id = @activation_id,
                    membership_version = @membership_version, registered_at = now()
                WHERE cluster_id = @cluster_id AND grain_type = @grain_type AND grain_key = @grain_key
                  AND silo_endpoint = @previous_endpoint AND silo_generation = @previous_generation AND activation_id = @previous_activation_id
                """);
            AddAddressParameters(replace, address);
            replace.Parameters.AddWithValue("previous_endpoint", previousAddress.SiloAddress.Endpoint);
            replace.Parameters.AddWithValue("previous_generation", previousAddress.SiloAddress.Generation);
            replace.Parameters.AddWithValue("previous_activation_id", previousAddress.ActivationId);
            if (await replace.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return address;
            }
        }

        // Insert-or-read can find nothing when the winner is removed between the two statements; then the grain is free again, so try again.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using (var insert = Command(connection, address.GrainId, $"""
                INSERT INTO cluster_grain_directory (cluster_id, grain_type, grain_key, {Columns})
                VALUES (@cluster_id, @grain_type, @grain_key, @silo_endpoint, @silo_generation, @activation_id, @membership_version)
                ON CONFLICT (cluster_id, grain_type, grain_key) DO NOTHING
                """))
            {
                AddAddressParameters(insert, address);
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    return address;
                }
            }

            var winner = await LookupAsync(connection, address.GrainId, cancellationToken).ConfigureAwait(false);
            if (winner is not null)
            {
                _logger.DirectoryRegistrationLost(address.GrainId.ToString(), winner.ToString(), address.ToString());
                return winner;
            }
        }
    }

    public async Task Unregister(GrainAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = Command(connection, address.GrainId, """
            DELETE FROM cluster_grain_directory
            WHERE cluster_id = @cluster_id AND grain_type = @grain_type AND grain_key = @grain_key AND activation_id = @activation_id
            """);
        delete.Parameters.AddWithValue("activation_id", address.ActivationId);
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<GrainAddress?> Lookup(GrainId grainId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await LookupAsync(connection, grainId, cancellationToken).ConfigureAwait(false);
    }

    public async Task UnregisterSilos(IEnumerable<SiloAddress> silos, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silos);
        var list = silos.Distinct().ToList();
        if (list.Count == 0)
        {
            return;
        }

        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand("""
            DELETE FROM cluster_grain_directory
            WHERE cluster_id = @cluster_id
              AND (silo_endpoint, silo_generation) IN (SELECT * FROM unnest(@endpoints, @generations))
            """, connection);
        delete.Parameters.AddWithValue("cluster_id", _clusterId);
        delete.Parameters.AddWithValue("endpoints", NpgsqlDbType.Array | NpgsqlDbType.Text, list.Select(s => s.Endpoint).ToArray());
        delete.Parameters.AddWithValue("generations", NpgsqlDbType.Array | NpgsqlDbType.Bigint, list.Select(s => s.Generation).ToArray());
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddAddressParameters(NpgsqlCommand command, GrainAddress address)
    {
        command.Parameters.AddWithValue("silo_endpoint", address.SiloAddress.Endpoint);
        command.Parameters.AddWithValue("silo_generation", address.SiloAddress.Generation);
        command.Parameters.AddWithValue("activation_id", address.ActivationId);
        command.Parameters.AddWithValue("membership_version", address.MembershipVersion.Value);
    }

    private async Task<GrainAddress?> LookupAsync(NpgsqlConnection connection, GrainId grainId, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, grainId, $"""
            SELECT {Columns} FROM cluster_grain_directory
            WHERE cluster_id = @cluster_id AND grain_type = @grain_type AND grain_key = @grain_key
            """);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new GrainAddress(
            grainId,
            new SiloAddress(reader.GetString(0), reader.GetInt64(1)),
            reader.GetGuid(2),
            new MembershipVersion(reader.GetInt64(3)));
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, GrainId grainId, string sql)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("cluster_id", _clusterId);
        command.Parameters.AddWithValue("grain_type", grainId.Type);
        command.Parameters.AddWithValue("grain_key", grainId.Key);
        return command;
    }
}
