using System.Collections.Immutable;
using System.Data;
using System.Globalization;
using System.Text.Json;
using Cluster.Runtime.PostgreSql;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Runtime.Membership;

/// <summary>
/// The membership table in PostgreSQL, as Orleans' ADO.NET clustering keeps it: a version row per cluster
/// (<c>cluster_membership_version</c>) and a row per silo (<c>cluster_membership</c>). A write locks the version row with
/// <c>UPDATE ... WHERE version = expected</c> and then writes the silo row, in one transaction: concurrent writers queue
/// on the version row, and every one after the first finds the version moved on and rolls back.
/// </summary>
internal sealed class PostgreSqlMembershipTable : IMembershipTable
{
    private const string Columns = "endpoint, generation, status, host_name, roles, suspect_times, start_time, i_am_alive_time, etag";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly PostgreSqlStore _store;
    private readonly string _clusterId;
    private readonly ILogger _logger;

    public PostgreSqlMembershipTable(PostgreSqlStore store, string clusterId, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _clusterId = clusterId;
        _logger = logger;
    }

    public Task InitializeMembershipTable(CancellationToken cancellationToken = default) => _store.EnsureSchemaAsync(cancellationToken);

    public Task<MembershipTableData> ReadAll(CancellationToken cancellationToken = default) => ReadAsync(null, cancellationToken);

    public Task<MembershipTableData> ReadRow(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return ReadAsync(silo, cancellationToken);
    }

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!TryGetExpectedVersion(tableVersion, out var expected))
        {
            return false;
        }

        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // A cluster's version row appears with its first insert; concurrent first inserts all see it once the winner commits.
        await using (var ensureVersion = Command(connection, transaction, """
            INSERT INTO cluster_membership_version (cluster_id, version) VALUES (@cluster_id, 0)
            ON CONFLICT (cluster_id) DO NOTHING
            """))
        {
            await ensureVersion.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!await TryBumpVersionAsync(connection, transaction, expected, tableVersion.Version, cancellationToken).ConfigureAwait(false))
        {
            return Lost("insert", entry, tableVersion);
        }

        await using var insert = Command(connection, transaction, $"""
            INSERT INTO cluster_membership (cluster_id, {Columns})
            VALUES (@cluster_id, @endpoint, @generation, @status, @host_name, @roles, @suspect_times, @start_time, @i_am_alive_time, 0)
            ON CONFLICT (cluster_id, endpoint, generation) DO NOTHING
            """);
        AddEntryParameters(insert, entry);
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            return Lost("insert", entry, tableVersion);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(etag);
        if (!TryGetExpectedVersion(tableVersion, out var expected)
            || !int.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var expectedETag))
        {
            return false;
        }

        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!await TryBumpVersionAsync(connection, transaction, expected, tableVersion.Version, cancellationToken).ConfigureAwait(false))
        {
            return Lost("update", entry, tableVersion);
        }

        await using var update = Command(connection, transaction, """
            UPDATE cluster_membership
            SET status = @status, host_name = @host_name, roles = @roles, suspect_times = @suspect_times,
                start_time = @start_time, i_am_alive_time = @i_am_alive_time, etag = etag + 1
            WHERE cluster_id = @cluster_id AND endpoint = @endpoint AND generation = @generation AND etag = @etag
            """);
        AddEntryParameters(update, entry);
        update.Parameters.AddWithValue("etag", expectedETag);
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            return Lost("update", entry, tableVersion);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var update = Command(connection, null, """
            UPDATE cluster_membership SET i_am_alive_time = @i_am_alive_time
            WHERE cluster_id = @cluster_id AND endpoint = @endpoint AND generation = @generation
            """);
        update.Parameters.AddWithValue("endpoint", entry.SiloAddress.Endpoint);
        update.Parameters.AddWithValue("generation", entry.SiloAddress.Generation);
        update.Parameters.AddWithValue("i_am_alive_time", entry.IAmAliveTime.ToUniversalTime());
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = Command(connection, null, """
            DELETE FROM cluster_membership
            WHERE cluster_id = @cluster_id AND status <> 'Active' AND i_am_alive_time < @before
            """);
        delete.Parameters.AddWithValue("before", beforeDate.ToUniversalTime());
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteMembershipTableEntries(string clusterId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand("""
            DELETE FROM cluster_membership_version WHERE cluster_id = @cluster_id;
            DELETE FROM cluster_membership WHERE cluster_id = @cluster_id;
            """, connection, transaction);
        delete.Parameters.AddWithValue("cluster_id", clusterId);
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The caller's version must be the one after the table's, so the etag it was made from names the expected version.</summary>
    private static bool TryGetExpectedVersion(TableVersion tableVersion, out int expected) =>
        int.TryParse(tableVersion.VersionEtag, NumberStyles.None, CultureInfo.InvariantCulture, out expected)
        && tableVersion.Version == expected + 1L;

    private static string FormatETag(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void AddEntryParameters(NpgsqlCommand command, MembershipEntry entry)
    {
        command.Parameters.AddWithValue("endpoint", entry.SiloAddress.Endpoint);
        command.Parameters.AddWithValue("generation", entry.SiloAddress.Generation);
        command.Parameters.AddWithValue("status", entry.Status switch
        {
            SiloStatus.Joining or SiloStatus.Active or SiloStatus.ShuttingDown or SiloStatus.Dead => entry.Status.ToString(),
            _ => throw new ArgumentException($"A membership row cannot have status {entry.Status}.", nameof(entry)),
        });
        command.Parameters.AddWithValue("host_name", entry.HostName ?? "");
        command.Parameters.AddWithValue("roles", NpgsqlDbType.Array | NpgsqlDbType.Text, entry.Roles.Order(StringComparer.Ordinal).ToArray());
        command.Parameters.AddWithValue(
            "suspect_times",
            NpgsqlDbType.Jsonb,
            JsonSerializer.Serialize(entry.SuspectTimes.Select(v => new StoredVote(v.Suspecter.ToString(), v.Time.ToUniversalTime())), JsonOptions));
        command.Parameters.AddWithValue("start_time", entry.StartTime.ToUniversalTime());
        command.Parameters.AddWithValue("i_am_alive_time", entry.IAmAliveTime.ToUniversalTime());
    }

    private static MembershipRow ReadEntry(NpgsqlDataReader reader)
    {
        var votes = JsonSerializer.Deserialize<List<StoredVote>>(reader.GetString(5), JsonOptions) ?? [];
        var entry = new MembershipEntry
        {
            SiloAddress = new SiloAddress(reader.GetString(0), reader.GetInt64(1)),
            Status = Enum.Parse<SiloStatus>(reader.GetString(2)),
            HostName = reader.GetString(3),
            Roles = ImmutableSortedSet.CreateRange(StringComparer.Ordinal, reader.GetFieldValue<string[]>(4)),
            SuspectTimes = votes.Select(v => new SuspectVote(SiloAddress.Parse(v.Silo), v.Time)).ToImmutableArray(),
            StartTime = reader.GetFieldValue<DateTimeOffset>(6),
            IAmAliveTime = reader.GetFieldValue<DateTimeOffset>(7),
        };
        return new MembershipRow(entry, FormatETag(reader.GetInt32(8)));
    }

    private async Task<MembershipTableData> ReadAsync(SiloAddress? silo, CancellationToken cancellationToken)
    {
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);

        // Repeatable read: the rows and the version come from one snapshot, so a write based on this read is judged against what it saw.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var version = TableVersion.Initial;
        await using (var readVersion = Command(connection, transaction, "SELECT version FROM cluster_membership_version WHERE cluster_id = @cluster_id"))
        {
            if (await readVersion.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int stored)
            {
                version = new TableVersion(stored, FormatETag(stored));
            }
        }

        var rows = new List<MembershipRow>();
        await using (var readRows = Command(connection, transaction, silo is null
            ? $"SELECT {Columns} FROM cluster_membership WHERE cluster_id = @cluster_id"
            : $"SELECT {Columns} FROM cluster_membership WHERE cluster_id = @cluster_id AND endpoint = @endpoint AND generation = @generation"))
        {
            if (silo is not null)
            {
                readRows.Parameters.AddWithValue("endpoint", silo.Endpoint);
                readRows.Parameters.AddWithValue("generation", silo.Generation);
            }

            await using var reader = await readRows.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(ReadEntry(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Sorted here, not in SQL, so the order is the same ordinal order as the in-memory table's whatever the collation.
        rows.Sort((a, b) => a.Entry.SiloAddress.CompareTo(b.Entry.SiloAddress));
        return new MembershipTableData(rows, version);
    }

    private async Task<bool> TryBumpVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int expected, int next, CancellationToken cancellationToken)
    {
        await using var bump = Command(connection, transaction, """
            UPDATE cluster_membership_version SET version = @next, updated_at = now()
            WHERE cluster_id = @cluster_id AND version = @expected
            """);
        bump.Parameters.AddWithValue("expected", expected);
        bump.Parameters.AddWithValue("next", next);
        return await bump.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("cluster_id", _clusterId);
        return command;
    }

    /// <summary>Logs a lost compare-and-swap; the transaction is rolled back by its disposal.</summary>
    private bool Lost(string operation, MembershipEntry entry, TableVersion tableVersion)
    {
        _logger.MembershipWriteConflict(operation, entry.SiloAddress.ToString(), tableVersion.ToString());
        return false;
    }

    /// <summary>A suspicion vote as stored in the <c>suspect_times</c> JSON array.</summary>
    private sealed record StoredVote(string Silo, DateTimeOffset Time);
}
