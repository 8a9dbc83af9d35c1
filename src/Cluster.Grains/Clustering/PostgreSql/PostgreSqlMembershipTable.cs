using System.Data;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Cluster.Grains.Clustering.PostgreSql;

/// <summary>
/// Orleans' membership table in PostgreSQL: a version row per cluster (<c>orleans_membership_version</c>) and a row per
/// silo (<c>orleans_membership</c>). A write locks the version row with <c>UPDATE ... WHERE version = expected</c> and
/// then writes the silo row, in one transaction: concurrent writers queue on the version row, and every one after the
/// first finds the version moved on and rolls back, which is the compare-and-swap Orleans' protocol expects.
/// </summary>
internal sealed class PostgreSqlMembershipTable(PostgreSqlStore store, string clusterId, ILogger logger) : IMembershipTable
{
    private const string Columns = "silo_address, status, proxy_port, host_name, silo_name, role_name, update_zone, fault_zone, suspect_times, start_time, i_am_alive_time, etag";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken) => store.EnsureSchemaAsync(cancellationToken);

    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken) => ReadAsync(null, cancellationToken);

    public Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken) => ReadAsync(key, cancellationToken);

    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        if (!TryGetExpectedVersion(tableVersion, out var expected))
        {
            return false;
        }

        await using var connection = await store.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // A cluster's version row appears with its first insert; concurrent first inserts all see it once the winner commits.
        await using (var ensureVersion = Command(connection, transaction, """
            INSERT INTO orleans_membership_version (cluster_id, version) VALUES (@cluster_id, 0)
            ON CONFLICT (cluster_id) DO NOTHING
            """))
        {
            await ensureVersion.ExecuteNonQueryAsync(cancellationToken);
        }

        if (!await TryBumpVersionAsync(connection, transaction, expected, tableVersion.Version, cancellationToken))
        {
            return Lost("insert", entry, tableVersion);
        }

        await using var insert = Command(connection, transaction, $"""
            INSERT INTO orleans_membership (cluster_id, {Columns})
            VALUES (@cluster_id, @silo_address, @status, @proxy_port, @host_name, @silo_name, @role_name, @update_zone,
                    @fault_zone, @suspect_times, @start_time, @i_am_alive_time, 0)
            ON CONFLICT (cluster_id, silo_address) DO NOTHING
            """);
        AddEntryParameters(insert, entry);
        if (await insert.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return Lost("insert", entry, tableVersion);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        if (!TryGetExpectedVersion(tableVersion, out var expected)
            || !int.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var expectedETag))
        {
            return false;
        }

        await using var connection = await store.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TryBumpVersionAsync(connection, transaction, expected, tableVersion.Version, cancellationToken))
        {
            return Lost("update", entry, tableVersion);
        }

        await using var update = Command(connection, transaction, """
            UPDATE orleans_membership
            SET status = @status, proxy_port = @proxy_port, host_name = @host_name, silo_name = @silo_name,
                role_name = @role_name, update_zone = @update_zone, fault_zone = @fault_zone, suspect_times = @suspect_times,
                start_time = @start_time, i_am_alive_time = @i_am_alive_time, etag = etag + 1
            WHERE cluster_id = @cluster_id AND silo_address = @silo_address AND etag = @etag
            """);
        AddEntryParameters(update, entry);
        update.Parameters.AddWithValue("etag", expectedETag);
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return Lost("update", entry, tableVersion);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var update = Command(connection, null, """
            UPDATE orleans_membership SET i_am_alive_time = @i_am_alive_time
            WHERE cluster_id = @cluster_id AND silo_address = @silo_address
            """);
        update.Parameters.AddWithValue("silo_address", entry.SiloAddress.ToParsableString());
        update.Parameters.AddWithValue("i_am_alive_time", ToUtc(entry.IAmAliveTime));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var delete = Command(connection, null, """
            DELETE FROM orleans_membership
            WHERE cluster_id = @cluster_id AND status <> @active AND i_am_alive_time < @before
            """);
        delete.Parameters.AddWithValue("active", (int)SiloStatus.Active);
        delete.Parameters.AddWithValue("before", beforeDate.ToUniversalTime());
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = new NpgsqlCommand("""
            DELETE FROM orleans_membership_version WHERE cluster_id = @cluster_id;
            DELETE FROM orleans_membership WHERE cluster_id = @cluster_id;
            """, connection, transaction);
        delete.Parameters.AddWithValue("cluster_id", clusterId);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

#pragma warning disable CS0618 // The table is called through the *Async methods; the obsolete names forward to them.
    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion, CancellationToken.None);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);
#pragma warning restore CS0618

    /// <summary>The caller's version must be the one after the table's, so the etag it was made from names the expected version.</summary>
    private static bool TryGetExpectedVersion(TableVersion tableVersion, out int expected) =>
        int.TryParse(tableVersion.VersionEtag, NumberStyles.None, CultureInfo.InvariantCulture, out expected)
        && tableVersion.Version == expected + 1L;

    private static string FormatETag(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static DateTime ToUtc(DateTime time) => time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();

    private static void AddEntryParameters(NpgsqlCommand command, MembershipEntry entry)
    {
        command.Parameters.AddWithValue("silo_address", entry.SiloAddress.ToParsableString());
        command.Parameters.AddWithValue("status", (int)entry.Status);
        command.Parameters.AddWithValue("proxy_port", entry.ProxyPort);
        command.Parameters.AddWithValue("host_name", entry.HostName ?? "");
        command.Parameters.AddWithValue("silo_name", entry.SiloName ?? "");
        command.Parameters.AddWithValue("role_name", entry.RoleName ?? "");
        command.Parameters.AddWithValue("update_zone", entry.UpdateZone);
        command.Parameters.AddWithValue("fault_zone", entry.FaultZone);
        var votes = (entry.SuspectTimes ?? []).Select(v => new StoredVote(v.Item1.ToParsableString(), ToUtc(v.Item2)));
        command.Parameters.AddWithValue("suspect_times", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(votes, JsonOptions));
        command.Parameters.AddWithValue("start_time", ToUtc(entry.StartTime));
        command.Parameters.AddWithValue("i_am_alive_time", ToUtc(entry.IAmAliveTime));
    }

    private static Tuple<MembershipEntry, string> ReadEntry(NpgsqlDataReader reader)
    {
        var votes = JsonSerializer.Deserialize<List<StoredVote>>(reader.GetString(8), JsonOptions) ?? [];
        var entry = new MembershipEntry
        {
            SiloAddress = SiloAddress.FromParsableString(reader.GetString(0)),
            Status = (SiloStatus)reader.GetInt32(1),
            ProxyPort = reader.GetInt32(2),
            HostName = reader.GetString(3),
            SiloName = reader.GetString(4),
            RoleName = reader.GetString(5),
            UpdateZone = reader.GetInt32(6),
            FaultZone = reader.GetInt32(7),
            SuspectTimes = [.. votes.Select(v => Tuple.Create(SiloAddress.FromParsableString(v.Silo), v.Time))],
            StartTime = reader.GetFieldValue<DateTime>(9),
            IAmAliveTime = reader.GetFieldValue<DateTime>(10),
        };
        return Tuple.Create(entry, FormatETag(reader.GetInt32(11)));
    }

    private async Task<MembershipTableData> ReadAsync(SiloAddress? silo, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);

        // Repeatable read: the rows and the version come from one snapshot, so a write based on this read is judged against what it saw.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var version = new TableVersion(0, FormatETag(0));
        await using (var readVersion = Command(connection, transaction, "SELECT version FROM orleans_membership_version WHERE cluster_id = @cluster_id"))
        {
            if (await readVersion.ExecuteScalarAsync(cancellationToken) is int stored)
            {
                version = new TableVersion(stored, FormatETag(stored));
            }
        }

        var rows = new List<Tuple<MembershipEntry, string>>();
        await using (var readRows = Command(connection, transaction, silo is null
            ? $"SELECT {Columns} FROM orleans_membership WHERE cluster_id = @cluster_id"
            : $"SELECT {Columns} FROM orleans_membership WHERE cluster_id = @cluster_id AND silo_address = @silo_address"))
        {
            if (silo is not null)
            {
                readRows.Parameters.AddWithValue("silo_address", silo.ToParsableString());
            }

            await using var reader = await readRows.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(ReadEntry(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new MembershipTableData(rows, version);
    }

    private async Task<bool> TryBumpVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int expected, int next, CancellationToken cancellationToken)
    {
        await using var bump = Command(connection, transaction, """
            UPDATE orleans_membership_version SET version = @next, updated_at = now()
            WHERE cluster_id = @cluster_id AND version = @expected
            """);
        bump.Parameters.AddWithValue("expected", expected);
        bump.Parameters.AddWithValue("next", next);
        return await bump.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("cluster_id", clusterId);
        return command;
    }

    /// <summary>Logs a lost compare-and-swap; the transaction is rolled back by its disposal.</summary>
    private bool Lost(string operation, MembershipEntry entry, TableVersion tableVersion)
    {
        logger.MembershipWriteConflict(operation, entry.SiloAddress.ToString(), tableVersion.ToString());
        return false;
    }

    /// <summary>A suspicion vote as stored in the <c>suspect_times</c> JSON array.</summary>
    private sealed record StoredVote(string Silo, DateTime Time);
}
